import type { LedgerEntryDraft } from '../../../lambdas/core/ledger';
import type { CodeDeploymentStatus, StoreWrite } from '../../../lambdas/core/ports';
import { followCodeDeployment } from '../../../lambdas/core/use-cases/code-deploy';
import type { DeploymentState } from '../../../lambdas/core/use-cases/deploy';
import type { Services } from '../../../lambdas/core/use-cases/services';

/**
 * The services of FollowCodeDeployment for a codedeploy change at 25 %: a store that keeps what is
 * committed (records and ledger drafts), CodeDeploy answering with `status`, the alias back on the
 * previous version (CodeDeploy rolled it back).
 */
function services(status: CodeDeploymentStatus) {
  const drafts: LedgerEntryDraft[] = [];
  let change: Record<string, unknown> = {
    changeId: 'chg-1',
    target: 'benefit-calculator',
    version: '1.1.4',
    status: 'deploying',
    revision: 7,
    deployment: {
      strategy: 'codedeploy',
      functionName: 'benefit-calculator',
      alias: 'live',
      fromVersion: '1.1.3',
      fromFunctionVersion: '5',
      toFunctionVersion: '6',
      codeDeployId: 'd-1',
      steps: [25, 100],
      bakeSeconds: 60,
      currentWeight: 25,
      history: [{ weight: 25, at: '2026-03-02T10:00:00.000Z' }],
    },
  };
  let target: Record<string, unknown> = {
    name: 'benefit-calculator',
    functionName: 'benefit-calculator',
    alias: 'live',
    deployingChangeId: 'chg-1',
    route: { functionVersion: '5', additionalVersion: '6', additionalWeight: 0.25 },
    revision: 3,
  };
  const svc = {
    store: {
      getChange: async () => change,
      getTarget: async () => target,
      commit: async (writes: StoreWrite[], draft: LedgerEntryDraft) => {
        for (const w of writes) {
          if (w.kind === 'change') change = w.record as unknown as Record<string, unknown>;
          if (w.kind === 'target') target = w.record as unknown as Record<string, unknown>;
        }
        drafts.push(draft);
      },
    },
    functions: {
      getAlias: async () => ({ functionVersion: '5', revisionId: 'r1' }),
      updateAlias: async () => ({ functionVersion: '5', revisionId: 'r2' }),
    },
    codeDeploy: { get: async () => status },
    settings: { apiBaseUrl: '', approvalLinkTtlSeconds: 60, linkSecret: async () => 's', codeDeploy: { application: 'cmv', hooks: {} } },
    now: () => new Date('2026-03-02T10:01:00.000Z'),
  } as unknown as Services;
  return { svc, drafts };
}

const STATE: DeploymentState = {
  strategy: 'codedeploy',
  stepIndex: 0,
  steps: [25, 100],
  alarmNames: [],
  startedAt: '2026-03-02T09:59:00.000Z',
  waitSeconds: 10,
};

describe('followCodeDeployment()', () => {
  it("records CodeDeploy's error code with the rollback when CodeDeploy stopped the deployment on an alarm", async () => {
    // Arrange
    const { svc, drafts } = services({
      deploymentId: 'd-1',
      application: 'cmv',
      deploymentGroup: 'benefit-calculator',
      status: 'Stopped',
      error: { code: 'ALARM_ACTIVE', message: 'One or more alarms have been activated' },
    });

    // Act
    const next = await followCodeDeployment(svc, 'chg-1', STATE);

    // Assert
    expect(next.decision).toBe('stopped');
    expect(drafts).toEqual([
      expect.objectContaining({ type: 'ChangeRolledBack', details: expect.objectContaining({ trigger: 'codedeploy', codeDeployError: 'ALARM_ACTIVE' }) }),
    ]);
  });

  it('records no error code when CodeDeploy gave none', async () => {
    // Arrange
    const { svc, drafts } = services({ deploymentId: 'd-1', application: 'cmv', deploymentGroup: 'benefit-calculator', status: 'Failed' });

    // Act
    await followCodeDeployment(svc, 'chg-1', STATE);

    // Assert
    expect(drafts[0].details).not.toHaveProperty('codeDeployError');
    expect(drafts[0].details).toMatchObject({ trigger: 'codedeploy' });
  });
});
