import { ActivationDriver, ChangePilot, configChange } from './crash-drivers';
import { duplicates, killAll, ledgerOf, type Rig, runChain, startRig, summary, TARGET } from './crash-rig';

/**
 * Issue #9: operators' moves killed between their record and the alias move — an abort mid-canary
 * and an activation — and started again on the same data: the start-up reconciliation moves the
 * alias to what was recorded, and nothing is recorded twice. The tests are one target's history, in
 * order: the activation puts back a version the first abort left published. Issue #10: a pause killed
 * between its record and the wake of the canary's bake — the wake is delivered from the record.
 */
jest.setTimeout(300_000);

/** A bake long enough (an hour: a minute at speed 60) that the canary holds at 50 % until the abort. */
const HELD_CANARY = { steps: [50, 100], bakeSeconds: 3600 };

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await killAll();
  await rig?.dispose();
});

describe('crash during an abort mid-canary', () => {
  it.each([
    // The rollback is recorded, the alias still routes 50 % to the new version.
    { version: '1.1.0', cap: 1111, point: 'commit:ChangeRolledBack' },
    // The alias is back (the 50 % shift's sync made the first UpdateAlias), the abort has not answered.
    { version: '1.2.0', cap: 1112, point: 'aws:UpdateAlias#2' },
  ])('rolls change $version back after a crash at $point: the previous version alone, the change rolled_back once', async ({ version, cap, point }) => {
    // Arrange: 1.0.0, the registered version (Lambda version 1), is live.
    const pilot = new ChangePilot(rig, await configChange(version, cap, HELD_CANARY), { abortAtWeight: 50 });

    // Act
    const { last, api, runs } = await runChain(rig, [point], pilot);

    // Assert
    try {
      const change = await api.change(pilot.changeId as string);
      expect(change).toMatchObject({ status: 'rolled_back', reason: expect.stringMatching(/^aborted by dana/) });
      const target = await api.target(TARGET);
      expect(target).toMatchObject({ liveVersion: '1.0.0', liveFunctionVersion: '1', route: { functionVersion: '1' } });
      expect(target.alias.routingPercent).toEqual({ '1': 100 });
      expect(target.deployingChangeId).toBeUndefined();
      expect(await api.verify('erin')).toMatchObject({ valid: true });
      const entries = await ledgerOf(api, change.changeId);
      expect(duplicates(entries)).toEqual([]);
      expect(entries.filter((e) => e.type === 'ChangeRolledBack')).toEqual([expect.objectContaining({ actor: 'dana' })]);
      console.log(summary(runs));
    } finally {
      await last.kill();
    }
  });
});

describe('crash during an activation', () => {
  it('serves the activated version after a crash at commit:VersionActivated', async () => {
    // Arrange: 1.1.0 was published (and rolled back) above; 1.0.0 is live.
    // Act
    const { last, api, runs } = await runChain(rig, ['commit:VersionActivated'], new ActivationDriver('1.1.0'));

    // Assert
    try {
      const published = (await api.versions(TARGET)).items.find((v) => v.version === '1.1.0') as unknown as { functionVersion: string };
      const target = await api.target(TARGET);
      expect(target).toMatchObject({
        liveVersion: '1.1.0',
        liveFunctionVersion: published.functionVersion,
        route: { functionVersion: published.functionVersion },
      });
      expect(target.alias.routingPercent).toEqual({ [published.functionVersion]: 100 });
      expect((await api.invoke(TARGET, { claimId: 'C-1001' })).executedVersion).toBe(published.functionVersion);
      expect(await api.verify('erin')).toMatchObject({ valid: true });
      const activations = (await api.audit({ target: TARGET, type: 'VersionActivated' }, 'erin')).items;
      expect(activations).toEqual([expect.objectContaining({ actor: 'dana', details: expect.objectContaining({ version: '1.1.0' }) })]);
      console.log(summary(runs));
    } finally {
      await last.kill();
    }
  });
});

describe('crash between a pause and its wake', () => {
  it('holds the canary after a crash at commit:DeploymentPaused: the restart delivers the lost wake from the record, and a promotion ends it deployed', async () => {
    // Arrange: a day's bake (24 minutes at speed 60): the workflow leaves it within a run only when something wakes it.
    const pilot = new ChangePilot(rig, await configChange('1.3.0', 1113, { steps: [50, 100], bakeSeconds: 86_400 }), { pauseAtWeight: 50 });

    // Act: the pause commits and the run dies before it sends the bake its wake.
    const { last, api, runs } = await runChain(rig, ['commit:DeploymentPaused'], pilot);

    // Assert
    try {
      const change = await api.change(pilot.changeId as string);
      expect(change.status).toBe('deployed');
      expect(change.deployment?.history.map((h) => [h.weight, h.decision])).toEqual([
        [50, 'continue'],
        [100, 'promote'],
      ]);
      const entries = await ledgerOf(api, change.changeId);
      expect(duplicates(entries)).toEqual([]);
      expect(entries.map((e) => e.type)).toEqual(expect.arrayContaining(['DeploymentPaused', 'PromotionRequested', 'ChangeDeployed']));
      console.log(summary(runs));
    } finally {
      await last.kill();
    }
  });
});
