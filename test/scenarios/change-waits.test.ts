import { exampleChange, startStack, TARGET, waitForStatus } from '../integration/local-stack';

/**
 * A change that waits on the local stack: for its quorum, until the approval timeout expires it; for
 * its target, while another change deploys there (one deployment per target).
 */
jest.setTimeout(180_000);

describe('approval timeout (local stack)', () => {
  it('expires a change that does not reach quorum in time, and records it in the ledger', async () => {
    // 72 h of approval wait at this speed last 1 s.
    const stack = await startStack({ speed: 259_200 });
    try {
      const { changeId } = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json'));
      const change = await waitForStatus(stack.api, changeId, ['expired', 'deployed', 'deploying', 'failed'], 90_000);

      expect(change.status).toBe('expired');
      const audit = await stack.api.audit({ changeId }, 'erin');
      expect(audit.items.map((e) => e.type)).toContain('ApprovalExpired');
      await expect(stack.api.decide(changeId, 'approve', 'too late', 'bob')).rejects.toMatchObject({ status: 409 });
    } finally {
      await stack.stop();
    }
  });
});

describe('one deployment per target (local stack)', () => {
  it('makes a second approved change wait while the first deploys, then deploys it', async () => {
    const stack = await startStack({ speed: 60 });
    try {
      // Arrange: two changes to the same target, both awaiting approval.
      const first = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json', { version: '1.1.0' }));
      const second = await stack.api.propose(
        await exampleChange('1.1.0-seasonal-bonus.json', {
          version: '1.5.0',
          riskLevel: 'low',
          config: { MAX_WEEKLY_BENEFIT: '1110', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
        }),
      );
      await waitForStatus(stack.api, first.changeId, ['awaiting_approval']);
      await waitForStatus(stack.api, second.changeId, ['awaiting_approval']);

      // Act: approve both at once.
      await stack.api.decide(first.changeId, 'approve', 'go', 'bob');
      await stack.api.decide(second.changeId, 'approve', 'go', 'bob');
      const [a, b] = await Promise.all([
        waitForStatus(stack.api, first.changeId, ['deployed', 'rolled_back', 'failed'], 120_000),
        waitForStatus(stack.api, second.changeId, ['deployed', 'rolled_back', 'failed'], 120_000),
      ]);

      // Assert: both deployed, one after the other — never two deployments of the target at once.
      expect([a.status, b.status]).toEqual(['deployed', 'deployed']);
      const entries = (await stack.api.audit({ target: TARGET, limit: '500' }, 'erin')).items.reverse();
      const seq = (changeId: string, type: string) => entries.find((e) => e.changeId === changeId && e.type === type)?.seq ?? -1;
      const [early, late] = seq(first.changeId, 'DeploymentStarted') < seq(second.changeId, 'DeploymentStarted') ? [first, second] : [second, first];
      expect(seq(late.changeId, 'DeploymentStarted')).toBeGreaterThan(seq(early.changeId, 'ChangeDeployed'));
      expect(stack.runtime.sfn.execution(late.changeId)?.history.some((h) => h.type === 'StateRetried' && h.state === 'StartDeployment')).toBe(true);
    } finally {
      await stack.stop();
    }
  });
});
