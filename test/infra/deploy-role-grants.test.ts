import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { CmvStack } from '../../lib/cmv-stack';
import type { CmvFunction } from '../../lib/constructs/cmv-function';
import { allows, statementsOfRole } from './iam-policy';

const ROLE = 'arn:aws:iam::111122223333:role/cmv-deploy';
const OWN = 'examples/benefit-calculator/target.json';
const CROSS = 'test/fixtures/targets/cross-account.target.json';

/** Every sts:AssumeRole resource of a role's policies. */
function assumable(template: Template, stack: CmvStack, fn: CmvFunction): string[] {
  const roleId = stack.resolve((fn.role.node.defaultChild as CfnElement).logicalId) as string;
  return statementsOfRole(template, roleId)
    .filter((s) => [s.Action].flat().includes('sts:AssumeRole'))
    .flatMap((s) => [s.Resource].flat() as string[]);
}

/**
 * The deploy-role grants: a target in another account (target.json `deployRoleArn`) is acted on
 * through that role, so the handlers acting on targets may assume it — and only it, and only they.
 * Synthesized without bundling: the grants are the point.
 */
describe('CmvStack grants on deploy roles', () => {
  const synth = (targetFiles: string[]) => {
    const stack = new CmvStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Cmv', { targetFiles });
    return { stack, template: Template.fromStack(stack) };
  };

  it('lets the handlers acting on targets assume the deploy role of a target in another account, and no other role', () => {
    // GIVEN a stack with a target in CMV's account and one in another account
    const { stack, template } = synth([OWN, CROSS]);
    // WHEN / THEN
    const onTargets = [
      stack.apiFunctions['register-target'],
      stack.apiFunctions['get-target'],
      stack.workflowFunctions.StartDeploymentFunctionArn,
      stack.workflowFunctions.ShiftTrafficFunctionArn,
      stack.workflowFunctions.CheckCanaryFunctionArn,
      stack.workflowFunctions.RunSmokeTestsFunctionArn,
      stack.workflowFunctions.RollbackFunctionArn,
    ];
    for (const fn of onTargets) expect([fn.entry, assumable(template, stack, fn)]).toEqual([fn.entry, [ROLE]]);
    for (const fn of [stack.apiFunctions['get-change'], stack.apiFunctions['propose-change'], stack.apiFunctions['decide-approval']]) {
      expect([fn.entry, assumable(template, stack, fn)]).toEqual([fn.entry, []]);
    }
  }, 120_000);

  it("grants nothing on the other account's target in CMV's own account: its calls go through the role", () => {
    const { stack, template } = synth([OWN, CROSS]);
    const shift = stack.workflowFunctions.ShiftTrafficFunctionArn;
    const roleId = stack.resolve((shift.role.node.defaultChild as CfnElement).logicalId) as string;
    const statements = statementsOfRole(template, roleId);
    const own = stack.targets.find((t) => !t.deployRoleArn);
    const cross = stack.targets.find((t) => t.deployRoleArn);
    const idOf = (c: IConstruct | undefined) => {
      if (!c) throw new Error('the stack has no such target');
      return stack.resolve((c.node.defaultChild as CfnElement).logicalId) as string;
    };
    const fn = 'arn:aws:lambda:us-east-1:123456789012:function';
    const values = {
      arns: { [idOf(own?.function)]: `${fn}:benefit-calculator`, [idOf(cross?.function)]: `${fn}:benefit-calculator-xacct` },
      refs: { [idOf(own?.alias)]: `${fn}:benefit-calculator:live`, [idOf(cross?.alias)]: `${fn}:benefit-calculator-xacct:live` },
    };

    expect(allows(statements, 'lambda:UpdateAlias', 'arn:aws:lambda:us-east-1:123456789012:function:benefit-calculator', values)).toBe(true);
    expect(allows(statements, 'lambda:UpdateAlias', 'arn:aws:lambda:us-east-1:123456789012:function:benefit-calculator-xacct', values)).toBe(false);
    expect(allows(statements, 'sts:AssumeRole', ROLE, values)).toBe(true);
    expect(allows(statements, 'sts:AssumeRole', 'arn:aws:iam::111122223333:role/other', values)).toBe(false);
  }, 120_000);

  it('grants sts:AssumeRole to no function when no target has a deploy role', () => {
    const { template } = synth([OWN]);

    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => (p.Properties as { PolicyDocument: { Statement: { Action: string | string[] }[] } }).PolicyDocument.Statement,
    );
    expect(statements.filter((s) => [s.Action].flat().includes('sts:AssumeRole'))).toEqual([]);
  }, 120_000);

  it('tells registration the deploy role the grants cover', () => {
    const { stack } = synth([OWN, CROSS]);

    expect(stack.targets.map((t) => t.registration)).toEqual([
      { name: 'benefit-calculator', functionName: 'benefit-calculator', alias: 'live' },
      { name: 'benefit-calculator-xacct', functionName: 'benefit-calculator-xacct', alias: 'live', deployRoleArn: ROLE },
    ]);
  }, 120_000);
});
