import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
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
  let stack: CmvStack;
  let template: Template;
  let values: ArnValues;
  const id = (c: IConstruct) => stack.resolve((c.node.defaultChild as CfnElement).logicalId) as string;
  const statementsOf = (fn: CmvFunction) => statementsOfRole(template, id(fn.role));
  const hook = (name: 'BeforeAllowTraffic' | 'AfterAllowTraffic') => stack.node.findChild('CodeDeployHooks').node.findChild(name) as CmvFunction;

  beforeAll(() => {
    // GIVEN the stack with the example target (function benefit-calculator, alias live)
    stack = new CmvStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Cmv');
    // WHEN
    template = Template.fromStack(stack);
    const [target] = stack.targets;
    values = {
      arns: { [id(target.function)]: `${LAMBDA}:function:benefit-calculator` },
      refs: { [id(target.alias)]: `${LAMBDA}:function:benefit-calculator:live` },
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
});
