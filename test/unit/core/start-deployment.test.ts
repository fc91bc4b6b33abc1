import type { StoreWrite } from '../../../lambdas/core/ports';
import { startDeployment } from '../../../lambdas/core/use-cases/deploy';
import type { Services } from '../../../lambdas/core/use-cases/services';

const CODEDEPLOY_SETTINGS = { application: 'cmv', hooks: {} };

/**
 * The services of StartDeployment for a codedeploy change awaiting approval: a store holding the
 * change and its target whose commit records the writes and stops there (the test is about whether
 * the deployment may start at all), and the alias on version 3.
 */
function services(settings: Partial<Services['settings']>, extra: Partial<Services> = {}) {
  const commits: StoreWrite[][] = [];
  const change = {
    changeId: 'chg-1',
    target: 'benefit-calculator',
    version: '1.1.0',
    status: 'awaiting_approval',
    revision: 4,
    plan: { strategy: 'codedeploy', deploymentConfig: 'CodeDeployDefault.LambdaAllAtOnce', canary: { steps: [100], bakeSeconds: 60 } },
  };
  const target = { name: 'benefit-calculator', functionName: 'benefit-calculator', alias: 'live', liveVersion: '1.0.0', revision: 2 };
  const svc = {
    store: {
      getChange: async () => change,
      getTarget: async () => target,
      commit: async (writes: StoreWrite[]) => {
        commits.push(writes);
        throw new Error('stop after the first commit');
      },
    },
    functions: { getAlias: async () => ({ functionVersion: '3' }) },
    settings: { apiBaseUrl: '', approvalLinkTtlSeconds: 60, linkSecret: async () => 's', ...settings },
    now: () => new Date('2026-03-02T10:00:00Z'),
    ...extra,
  } as unknown as Services;
  return { svc, commits };
}

describe('startDeployment() of a codedeploy change', () => {
  it('starts when the deployment of CMV has CodeDeploy settings, without a CodeDeploy client (StartDeployment calls no CodeDeploy API)', async () => {
    // Arrange
    const { svc, commits } = services({ codeDeploy: CODEDEPLOY_SETTINGS });

    // Act
    const started = startDeployment(svc, 'chg-1');

    // Assert: the change moved to deploying (the commit stops the test there)
    await expect(started).rejects.toThrow('stop after the first commit');
    expect(commits[0][0]).toMatchObject({ kind: 'change', record: { status: 'deploying', deployment: { strategy: 'codedeploy' } } });
  });

  it('refuses when the deployment of CMV has no CodeDeploy settings, even with a client', async () => {
    // Arrange
    const { svc, commits } = services({}, { codeDeploy: {} as Services['codeDeploy'] });

    // Act
    const started = startDeployment(svc, 'chg-1');

    // Assert
    await expect(started).rejects.toThrow('the codedeploy strategy is not available in this deployment of CMV');
    expect(commits).toEqual([]);
  });
});
