import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RegisteredTarget } from '../../lib/constructs/registered-target';

describe('RegisteredTarget', () => {
  describe('grantRetireVersions()', () => {
    // GIVEN
    const app = new App();
    const stack = new Stack(app, 'S');
    const target = new RegisteredTarget(stack, 'Target', {
      name: 'svc',
      source: path.join(__dirname, '..', '..', 'examples', 'benefit-calculator', 'service'),
      handler: 'src/index.handler',
    });
    const role = new Role(stack, 'Retirer', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    // WHEN
    target.grantRetireVersions(role);
    const template = Template.fromStack(stack);
    const functionId = stack.getLogicalId(target.function.node.defaultChild as never);
    const retirerPolicy = () => {
      const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: stack.getLogicalId(role.node.defaultChild as never) }] } });
      return Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    };

    it('allows lambda:ListVersionsByFunction and ListAliases on the function only', () => {
      // THEN
      expect(retirerPolicy()).toContainEqual(
        expect.objectContaining({
          Action: ['lambda:ListVersionsByFunction', 'lambda:ListAliases'],
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [functionId, 'Arn'] },
        }),
      );
    });

    it('allows lambda:DeleteFunction on the qualified ARNs of the function, never on the function itself', () => {
      // THEN
      const deletes = retirerPolicy().filter((s) => s.Action === 'lambda:DeleteFunction');
      expect(deletes).toEqual([expect.objectContaining({ Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [functionId, 'Arn'] }, ':*']] } })]);
    });

    it('grants no wildcard action', () => {
      // THEN
      const actions = retirerPolicy().flatMap((s) => s.Action);
      expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    });

    it('leaves no unacknowledged cdk-nag finding on the grantee', () => {
      // WHEN the pack checks the synthesized tree
      const report = new AwsSolutionsChecks(app).validateScope(app);
      // THEN
      const onRetirer = report.violations.filter((v) => v.violatingResources.some((r) => r.constructPath?.includes('/Retirer')));
      expect(onRetirer.map((v) => `${v.severity} ${v.ruleName}`)).toEqual([]);
    });
  });
});
