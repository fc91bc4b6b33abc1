import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { alarmNamesFor } from '../../lambdas/core/alarm-definitions';
import { AlarmSettings, DEFAULT_ALARMS } from '../../lambdas/core/target-settings';
import { RegisteredTarget } from '../../lib/constructs/registered-target';
import { type ArnValues, allows, statementsOfRole } from './iam-policy';

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

describe('RegisteredTarget: the smoke tests, the live alias and the alarms', () => {
  const SOURCE = path.join(__dirname, '..', '..', 'examples', 'benefit-calculator', 'service');
  /** A stack with one target `svc` (function `svc`, alias `live`) and a role granted by `grant`. */
  const synth = (grant: (t: RegisteredTarget, role: Role) => void, props: Partial<ConstructorParameters<typeof RegisteredTarget>[2]> = {}) => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const target = new RegisteredTarget(stack, 'Target', { name: 'svc', source: SOURCE, handler: 'src/index.handler', ...props });
    const role = new Role(stack, 'Grantee', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    grant(target, role);
    const template = Template.fromStack(stack);
    const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
    const values: ArnValues = {
      arns: { [id(target.function)]: `${LAMBDA}:function:svc` },
      refs: { [id(target.alias)]: `${LAMBDA}:function:svc:live` },
    };
    return { app, stack, target, template, values, statements: statementsOfRole(template, id(role)) };
  };
  const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012';
  const ALARM = 'arn:aws:cloudwatch:us-east-1:123456789012:alarm';

  describe('grantInvokeVersions()', () => {
    // GIVEN the grant of the smoke tests (RunSmokeTests, the CodeDeploy hooks)
    const { app, statements, values } = synth((t, role) => t.grantInvokeVersions(role));

    it('allows invoking the version being deployed by its qualified ARN, as the smoke tests before traffic do (Qualifier = version)', () => {
      // THEN: Lambda authorizes `Invoke(Qualifier=7)` against function:svc:7, never against the alias that will route to it
      expect(allows(statements, 'lambda:InvokeFunction', `${LAMBDA}:function:svc:7`, values)).toBe(true);
      expect(allows(statements, 'lambda:InvokeFunction', `${LAMBDA}:function:svc:123`, values)).toBe(true);
    });

    it('allows invoking the alias, as the smoke tests after traffic do', () => {
      expect(allows(statements, 'lambda:InvokeFunction', `${LAMBDA}:function:svc:live`, values)).toBe(true);
    });

    it('does not allow invoking the unqualified function ($LATEST) nor another function', () => {
      expect(allows(statements, 'lambda:InvokeFunction', `${LAMBDA}:function:svc`, values)).toBe(false);
      expect(allows(statements, 'lambda:InvokeFunction', `${LAMBDA}:function:svc-other:7`, values)).toBe(false);
    });

    it('leaves no unacknowledged cdk-nag finding on the grantee', () => {
      const report = new AwsSolutionsChecks(app).validateScope(app);
      const onGrantee = report.violations.filter((v) => v.violatingResources.some((r) => r.constructPath?.includes('/Grantee')));
      expect(onGrantee.map((v) => `${v.severity} ${v.ruleName}`)).toEqual([]);
    });
  });

  describe('the live alias (CMV owns what is live once the target is registered)', () => {
    /** The alias and the version resource it names, as a second `cdk deploy` would see them. */
    const aliasAndVersion = (template: Template) => {
      const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string }>;
      const [alias] = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Alias');
      const versions = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Version');
      return { alias, versions };
    };

    it('keeps the alias and its version resource as they are when the code and config change (a second cdk deploy moves nothing live)', () => {
      // GIVEN the first deployment, then the same target with other code and another config
      const changedSource = mkdtempSync(path.join(tmpdir(), 'cmv-target-'));
      cpSync(SOURCE, changedSource, { recursive: true });
      writeFileSync(path.join(changedSource, 'src', 'index.js'), `${readFileSync(path.join(SOURCE, 'src', 'index.js'), 'utf8')}\n// changed\n`);
      const first = synth(() => undefined, { environment: { MAX_WEEKLY_BENEFIT: '1105' } });
      // WHEN
      const second = synth(() => undefined, { source: changedSource, environment: { MAX_WEEKLY_BENEFIT: '1120' } });
      // THEN the code did change (the function's $LATEST follows the stack) …
      expect(JSON.stringify(second.template.findResources('AWS::Lambda::Function'))).not.toEqual(
        JSON.stringify(first.template.findResources('AWS::Lambda::Function')),
      );
      // … but CloudFormation sees nothing to do on the alias: same resource, same version resource
      expect(aliasAndVersion(second.template)).toEqual(aliasAndVersion(first.template));
      expect(aliasAndVersion(first.template).versions).toHaveLength(1);
    });

    it('retains the first version when the stack would delete it (CMV may have it live or activate it again)', () => {
      const { versions } = aliasAndVersion(synth(() => undefined).template);
      expect(versions.map(([, r]) => r.DeletionPolicy)).toEqual(['Retain']);
    });
  });

  describe('grantArmAlarm() and grantReadAlarm()', () => {
    // GIVEN a target whose stack names no guard beyond the error rate: a registration may still add them
    const { statements } = synth((t, role) => {
      t.grantArmAlarm(role);
      t.grantReadAlarm(role);
    });
    const registered = AlarmSettings.parse({
      ...DEFAULT_ALARMS,
      p99LatencyMs: 800,
      throttles: 0,
      custom: [{ name: 'declined', namespace: 'Benefits', metricName: 'ClaimsDeclined', statistic: 'Sum', threshold: 3 }],
    });

    it('allows putting and reading every alarm a registration of the target may arm: error rate, p99, throttles, custom', () => {
      // THEN
      const names = alarmNamesFor('svc', registered);
      expect(names).toHaveLength(4);
      for (const name of names) {
        expect([name, allows(statements, 'cloudwatch:PutMetricAlarm', `${ALARM}:${name}`)]).toEqual([name, true]);
        expect([name, allows(statements, 'cloudwatch:DescribeAlarms', `${ALARM}:${name}`)]).toEqual([name, true]);
      }
    });

    it("does not allow putting the stack's own standing alarm, another target's alarms or any other alarm", () => {
      for (const name of ['cmv-svc-live-error-rate', 'cmv-other-error-rate', 'cmv-svc', 'billing-error-rate']) {
        expect([name, allows(statements, 'cloudwatch:PutMetricAlarm', `${ALARM}:${name}`)]).toEqual([name, false]);
      }
    });
  });
});
