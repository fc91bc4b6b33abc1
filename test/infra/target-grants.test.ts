import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { alarmNamesFor } from '../../lambdas/core/alarm-definitions';
import { AlarmSettings, DEFAULT_ALARMS } from '../../lambdas/core/target-settings';
import { CmvStack } from '../../lib/cmv-stack';
import type { CmvFunction } from '../../lib/constructs/cmv-function';
import { type ArnValues, allows, statementsOfRole } from './iam-policy';

/**
 * What the stack's grants allow on the registered example target, read as IAM evaluates the
 * synthesized policies against the ARNs AWS authorizes each call on. Synthesized without bundling:
 * the grants, not esbuild, are the point.
 */
describe('CmvStack grants on its registered targets', () => {
  const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012';
  const ALARM = 'arn:aws:cloudwatch:us-east-1:123456789012:alarm';
  let stack: CmvStack;
  let template: Template;
  let values: ArnValues;
  const id = (c: IConstruct) => stack.resolve((c.node.defaultChild as CfnElement).logicalId) as string;
  const statementsOf = (fn: CmvFunction) => statementsOfRole(template, id(fn.role));
  const hook = (name: 'BeforeAllowTraffic' | 'AfterAllowTraffic') => stack.node.findChild('CodeDeployHooks').node.findChild(name) as CmvFunction;

  beforeAll(() => {
    // GIVEN the stack with the example target (function benefit-calculator, alias live, no p99/throttle/custom alarm in its target.json)
    stack = new CmvStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Cmv');
    // WHEN
    template = Template.fromStack(stack);
    const [target] = stack.targets;
    values = {
      arns: { [id(target.function)]: `${LAMBDA}:function:benefit-calculator` },
      refs: {
        [id(target.alias)]: `${LAMBDA}:function:benefit-calculator:live`,
        [id(stack.node.findChild('CodeDeployApplication'))]: 'cmv-app',
        [id(target.deploymentGroup)]: 'benefit-calculator',
      },
    };
  }, 120_000);

  describe('smoke tests', () => {
    it('lets RunSmokeTests and both CodeDeploy hooks invoke the new version by its qualified ARN (before traffic) and the alias (after traffic)', () => {
      // THEN: Lambda authorizes Invoke(FunctionName, Qualifier=7) against function:benefit-calculator:7 — a grant on the alias does not cover it
      for (const [name, fn] of [
        ['RunSmokeTests', stack.workflowFunctions.RunSmokeTestsFunctionArn],
        ['BeforeAllowTraffic', hook('BeforeAllowTraffic')],
        ['AfterAllowTraffic', hook('AfterAllowTraffic')],
      ] as const) {
        const statements = statementsOf(fn);
        expect([name, allows(statements, 'lambda:InvokeFunction', `${LAMBDA}:function:benefit-calculator:7`, values)]).toEqual([name, true]);
        expect([name, allows(statements, 'lambda:InvokeFunction', `${LAMBDA}:function:benefit-calculator:live`, values)]).toEqual([name, true]);
        expect([name, allows(statements, 'lambda:InvokeFunction', `${LAMBDA}:function:benefit-calculator`, values)]).toEqual([name, false]);
      }
    });
  });

  describe('alarms', () => {
    // GIVEN a registration of the example that adds a p99, a throttle and a custom alarm to its target.json's error rate
    const registered = AlarmSettings.parse({
      ...DEFAULT_ALARMS,
      p99LatencyMs: 800,
      throttles: 0,
      custom: [{ name: 'declined', namespace: 'Benefits', metricName: 'ClaimsDeclined', statistic: 'Sum', threshold: 3 }],
    });

    it('lets StartDeployment arm, and CheckCanary and FollowCodeDeployment read, every alarm that registration arms', () => {
      // THEN
      for (const name of alarmNamesFor('benefit-calculator', registered)) {
        const arn = `${ALARM}:${name}`;
        expect([name, allows(statementsOf(stack.workflowFunctions.StartDeploymentFunctionArn), 'cloudwatch:PutMetricAlarm', arn)]).toEqual([name, true]);
        expect([name, allows(statementsOf(stack.workflowFunctions.CheckCanaryFunctionArn), 'cloudwatch:DescribeAlarms', arn)]).toEqual([name, true]);
        expect([name, allows(statementsOf(stack.workflowFunctions.FollowCodeDeploymentFunctionArn), 'cloudwatch:DescribeAlarms', arn)]).toEqual([name, true]);
      }
    });

    it("lets CreateCodeDeployment name the registered alarms in the deployment (overrideAlarmConfiguration needs UpdateDeploymentGroup on the target's group)", () => {
      // THEN
      const group = 'arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:cmv-app/benefit-calculator';
      expect(allows(statementsOf(stack.workflowFunctions.CreateCodeDeploymentFunctionArn), 'codedeploy:UpdateDeploymentGroup', group, values)).toBe(true);
    });
  });

  describe('registration', () => {
    it('tells POST /targets which targets the grants cover (name, function, alias), and no other function', () => {
      // THEN
      const env = (fn: CmvFunction) => (template.toJSON().Resources[id(fn.function)].Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
      expect(JSON.parse(String(env(stack.apiFunctions['register-target']).CMV_STACK_TARGETS))).toEqual([
        { name: 'benefit-calculator', functionName: 'benefit-calculator', alias: 'live' },
      ]);
      expect(env(stack.apiFunctions['propose-change']).CMV_STACK_TARGETS).toBeUndefined();
    });
  });
});
