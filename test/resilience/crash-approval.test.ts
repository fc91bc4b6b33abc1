import { ChangePilot, configChange } from './crash-drivers';
import { duplicates, killAll, ledgerOf, type Rig, runChain, startRig, summary, TARGET } from './crash-rig';

/**
 * Issue #9: an approval killed right after the vote committed, or right after SendTaskSuccess
 * answered, and started again on the same data: the change deploys on the recorded vote, without
 * another one, and its vote is recorded once. A crash right after a proposal committed, before its
 * workflow started, is there too: the reconciler starts it.
 */
jest.setTimeout(300_000);

const CANARY = { steps: [50, 100], bakeSeconds: 10 };

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await killAll();
  await rig?.dispose();
});

describe('crash during an approval', () => {
  it.each([
    // The proposal is recorded but its workflow not started; then bob's vote is recorded but not delivered.
    { version: '1.1.0', cap: 1111, points: ['commit:ChangeProposed', 'commit:ChangeApproved'] },
    // The vote reached the workflow, the process died before the token was marked spent and the voter answered.
    { version: '1.2.0', cap: 1112, points: ['aws:SendTaskSuccess'] },
  ])('deploys change $version on bob’s one vote after crashes at $points', async ({ version, cap, points }) => {
    // Arrange
    const pilot = new ChangePilot(rig, await configChange(version, cap, CANARY));

    // Act
    const { last, api, runs } = await runChain(rig, points, pilot);

    // Assert
    try {
      const change = await api.change(pilot.changeId as string);
      expect(change.status).toBe('deployed');
      expect(change.approvals.map((v) => v.approver)).toEqual(['bob']);
      const target = await api.target(TARGET);
      expect(target.liveVersion).toBe(version);
      expect(target.alias.routingPercent).toEqual({ [change.deployment?.toFunctionVersion as string]: 100 });
      expect(await api.verify('erin')).toMatchObject({ valid: true });
      const entries = await ledgerOf(api, change.changeId);
      expect(duplicates(entries)).toEqual([]);
      expect(entries.filter((e) => ['ApprovalRecorded', 'ChangeApproved'].includes(e.type))).toEqual([
        expect.objectContaining({ type: 'ChangeApproved', actor: 'bob' }),
      ]);
      console.log(summary(runs));
    } finally {
      await last.kill();
    }
  });
});
