import type { CodeDeploymentRequest, CodeDeployments } from '../../../lambdas/core/ports';
import { startDeployment } from '../../../lambdas/core/use-cases/deploy';
import type { Services } from '../../../lambdas/core/use-cases/services';
import { approved } from '../../fixtures/deploying';
import { aChange, TARGET } from '../../fixtures/records';

const CODEDEPLOY_SETTINGS = { application: 'cmv', hooks: {} };

/** A CodeDeploy client that logs every call: StartDeployment must make none (CreateCodeDeployment does). */
function loggingCodeDeploy(): CodeDeployments & { readonly calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    create: async (request: CodeDeploymentRequest) => {
      calls.push(`create ${request.functionName}`);
      return 'd-1';
    },
    get: async (id) => {
      calls.push(`get ${id}`);
      return { deploymentId: id, application: 'cmv', deploymentGroup: TARGET, status: 'InProgress' };
    },
    stop: async (id) => void calls.push(`stop ${id}`),
    putHookStatus: async (id) => void calls.push(`putHookStatus ${id}`),
  };
}

/**
 * chg-1, a codedeploy change approved and about to start (test/fixtures/deploying.ts `approved`),
 * on a deployment of CMV with `settings` added to the fakes' own and `extra` services.
 */
function codeDeployChange(settings: Partial<Services['settings']>, extra: Partial<Services> = {}) {
  const fakes = approved();
  const { plan } = aChange();
  fakes.store.seed({
    changes: [
      aChange({
        revision: 5,
        approvedAt: '2026-03-02T09:00:00.000Z',
        plan: { ...plan, strategy: 'codedeploy', deploymentConfig: 'CodeDeployDefault.LambdaAllAtOnce' },
      }),
    ],
  });
  const svc: Services = { ...fakes.svc, settings: { ...fakes.svc.settings, ...settings }, ...extra };
  return { ...fakes, svc };
}

describe('startDeployment() of a codedeploy change', () => {
  it('starts when the deployment of CMV has CodeDeploy settings, without a CodeDeploy client (StartDeployment calls no CodeDeploy API)', async () => {
    // Arrange
    const { svc, store } = codeDeployChange({ codeDeploy: CODEDEPLOY_SETTINGS });

    // Act
    await startDeployment(svc, 'chg-1');

    // Assert
    expect(store.changes.get('chg-1')).toMatchObject({
      status: 'deploying',
      deployment: { strategy: 'codedeploy', deploymentConfig: 'CodeDeployDefault.LambdaAllAtOnce', toFunctionVersion: '2' },
    });
    expect(store.targets.get(TARGET)).toMatchObject({ deployingChangeId: 'chg-1', shiftedByCodeDeploy: true });
    expect(store.entries.map((e) => [e.type, e.details.strategy ?? e.details.functionVersion])).toEqual([
      ['DeploymentStarted', 'codedeploy'],
      ['VersionPublished', '2'],
    ]);
  });

  it('calls no CodeDeploy API when a client is there too', async () => {
    const codeDeploy = loggingCodeDeploy();
    const { svc, store } = codeDeployChange({ codeDeploy: CODEDEPLOY_SETTINGS }, { codeDeploy });

    await startDeployment(svc, 'chg-1');

    expect(store.changes.get('chg-1')?.status).toBe('deploying');
    expect(codeDeploy.calls).toEqual([]);
  });

  it('refuses when the deployment of CMV has no CodeDeploy settings, even with a client, writing nothing', async () => {
    // Arrange
    const codeDeploy = loggingCodeDeploy();
    const { svc, store, functions } = codeDeployChange({}, { codeDeploy });

    // Act
    const started = startDeployment(svc, 'chg-1');

    // Assert
    await expect(started).rejects.toThrow('the codedeploy strategy is not available in this deployment of CMV');
    expect(store.entries).toEqual([]);
    expect(store.changes.get('chg-1')?.status).toBe('awaiting_approval');
    expect(store.targets.get(TARGET)?.deployingChangeId).toBeUndefined();
    expect(await functions.listVersions('benefit-calculator')).toEqual(['1']);
    expect(codeDeploy.calls).toEqual([]);
  });
});
