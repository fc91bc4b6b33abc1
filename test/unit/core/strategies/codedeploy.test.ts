import type { Change, DeploymentRecord } from '../../../../lambdas/core/change';
import { DeploymentError } from '../../../../lambdas/core/errors';
import type { ChangePlan } from '../../../../lambdas/core/policy/change-plan';
import type { CodeDeploymentStatus, CodeDeployments } from '../../../../lambdas/core/ports';
import { codeDeploy } from '../../../../lambdas/core/strategies/codedeploy';
import type { Services } from '../../../../lambdas/core/use-cases/services';

const plan = {
  canary: { steps: [10, 100], bakeSeconds: 60 },
  deploymentConfig: 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute',
} as unknown as ChangePlan;
const deployment = (over: Partial<DeploymentRecord> = {}): DeploymentRecord => ({
  strategy: 'codedeploy',
  functionName: 'fn',
  alias: 'live',
  fromVersion: '1.0.0',
  fromFunctionVersion: '1',
  steps: [],
  bakeSeconds: 60,
  deploymentConfig: 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute',
  currentWeight: 20,
  history: [],
  ...over,
});
const change = (d: DeploymentRecord) => ({ changeId: 'chg-1', target: 't', deployment: d }) as unknown as Change;
/** Services whose CodeDeploy answers GetDeployment with `status`. */
const withStatus = (status: CodeDeploymentStatus['status']) =>
  ({
    codeDeploy: { get: async (id: string) => ({ deploymentId: id, application: 'a', deploymentGroup: 't', status }) } as unknown as CodeDeployments,
  }) as unknown as Services;

describe('strategies/codedeploy', () => {
  describe('start()', () => {
    it('shifts through CodeDeploy: no CMV steps, the plan’s deployment config recorded', () => {
      expect(codeDeploy.start(plan)).toEqual({
        steps: [],
        record: { deploymentConfig: 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute' },
        details: { deploymentConfig: 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute' },
      });
      expect(codeDeploy.workflowMode).toBe('codedeploy');
      expect(codeDeploy.movesAliasItself).toBe(true);
    });
  });

  describe('requireAvailable()', () => {
    it('rejects when this deployment of CMV has no CodeDeploy', () => {
      expect(() => codeDeploy.requireAvailable({} as Services['settings'])).toThrow(DeploymentError);
    });

    it('accepts when CodeDeploy is configured', () => {
      expect(() => codeDeploy.requireAvailable({ codeDeploy: { application: 'cmv', hooks: {} } } as unknown as Services['settings'])).not.toThrow();
    });
  });

  describe('endedOutsideCmv()', () => {
    it.each(['Succeeded', 'Failed', 'Stopped'] as const)('wakes a look at a deployment that is %s', async (status) => {
      expect(await codeDeploy.endedOutsideCmv(withStatus(status), change(deployment({ codeDeployId: 'd-1' })), 'codedeploy')).toBe('codedeploy-ended');
    });

    it('keeps waiting while the deployment runs, before it has an id, or for another wait', async () => {
      expect(await codeDeploy.endedOutsideCmv(withStatus('InProgress'), change(deployment({ codeDeployId: 'd-1' })), 'codedeploy')).toBeUndefined();
      expect(await codeDeploy.endedOutsideCmv(withStatus('Succeeded'), change(deployment()), 'codedeploy')).toBeUndefined();
      expect(await codeDeploy.endedOutsideCmv(withStatus('Succeeded'), change(deployment({ codeDeployId: 'd-1' })), 'resume')).toBeUndefined();
    });
  });

  describe('acceptsLifecycleHook()', () => {
    it('accepts the hook of its deployment, or of any before the id is recorded, and no other', () => {
      expect(codeDeploy.acceptsLifecycleHook(deployment({ codeDeployId: 'd-1' }), 'd-1')).toBe(true);
      expect(codeDeploy.acceptsLifecycleHook(deployment(), 'd-2')).toBe(true);
      expect(codeDeploy.acceptsLifecycleHook(deployment({ codeDeployId: 'd-1' }), 'd-2')).toBe(false);
    });
  });

  describe('prepareAlarmRollback()', () => {
    it('does nothing while the change has no CodeDeploy deployment yet', async () => {
      const result = await codeDeploy.prepareAlarmRollback(withStatus('InProgress'), change(deployment()), deployment(), { name: 'a', reason: 'r', at: 'x' });
      expect(result).toEqual({ none: 'change chg-1 has no CodeDeploy deployment yet' });
    });
  });

  describe('rollbackCause()', () => {
    it('classifies CodeDeploy’s own end by the smoke tests and its error code', () => {
      const cause = codeDeploy.rollbackCause;
      expect(codeDeploy.rollbackTrigger).toBe('codedeploy');
      expect(cause?.({ smokeTestFailed: true })).toEqual({ cause: 'codedeploy_hook', bySmokeTest: true });
      expect(cause?.({ codeDeployError: 'ALARM_ACTIVE', smokeTestFailed: false })).toEqual({ cause: 'alarm', bySmokeTest: false });
      expect(cause?.({ codeDeployError: 'HOOK_EXECUTION_FAILURE', smokeTestFailed: false })).toEqual({ cause: 'codedeploy_hook', bySmokeTest: false });
      expect(cause?.({ codeDeployError: 'TIMEOUT', smokeTestFailed: false })).toEqual({ cause: 'codedeploy', bySmokeTest: false });
    });
  });

  describe('controls', () => {
    it('allows only abort, and says why the others are refused', () => {
      expect(codeDeploy.controls).toEqual(['abort']);
      expect(codeDeploy.controlRefusal('pause', 'chg-1')).toBe(
        'CodeDeploy cannot pause a Lambda deployment: change chg-1 deploys with the codedeploy strategy (abort it, or let it finish)',
      );
    });
  });

  describe('descriptions', () => {
    it('names the deployment config in the report and the CLI', () => {
      const facts = { deploymentConfig: 'Canary10Percent5Minutes', plannedSteps: [], bakeSeconds: 60, finalBakeSeconds: 60 };
      expect(codeDeploy.describePlan(facts)).toBe('codedeploy Canary10Percent5Minutes');
      expect(codeDeploy.describePlan({ ...facts, deploymentConfig: null })).toBe('codedeploy');
      expect(codeDeploy.deploymentConfigOf(deployment())).toBe('CodeDeployDefault.LambdaLinear10PercentEvery1Minute');
      expect(codeDeploy.progress(deployment())).toBe('codedeploy CodeDeployDefault.LambdaLinear10PercentEvery1Minute, 20%');
    });
  });
});
