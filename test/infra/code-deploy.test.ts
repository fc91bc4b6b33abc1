import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { LambdaApplication } from 'aws-cdk-lib/aws-codedeploy';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RegisteredTarget } from '../../lib/constructs/registered-target';

/** The codedeploy strategy's infrastructure for one registered target: deployment group, configs, alarms, hooks, grants. */
describe('RegisteredTarget.addDeploymentGroup()', () => {
  // GIVEN a target whose default config is a custom linear one (its alarms are the registration's business, not the stack's)
  const app = new App();
  const stack = new Stack(app, 'S');
  const target = new RegisteredTarget(stack, 'Target', {
    name: 'svc',
    source: path.join(__dirname, '..', '..', 'examples', 'benefit-calculator', 'service'),
    handler: 'src/index.handler',
    codeDeploy: { deploymentConfig: 'svc-linear-20-2', customConfigs: [{ name: 'svc-linear-20-2', type: 'linear', percentage: 20, intervalMinutes: 2 }] },
  });
  const hook = (id: string) =>
    new LambdaFunction(stack, id, { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler=1') });
  const before = hook('Before');
  const after = hook('After');
  const application = new LambdaApplication(stack, 'App');
  // WHEN
  target.addDeploymentGroup(application, { beforeAllowTraffic: before, afterAllowTraffic: after });
  const deployer = new Role(stack, 'Deployer', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  target.grantCreateDeployment(deployer);
  target.grantReadDeployments(deployer);
  target.grantStopDeployments(deployer);
  target.grantArmAlarm(deployer);
  const template = Template.fromStack(stack);
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
  const deployerStatements = () =>
    Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: id(deployer) }] } })).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );

  it('creates a deployment group named after the target, rolling back on failure, stop and alarm, watching by default the one alarm every target has (CMV names the registered ones per deployment)', () => {
    // THEN
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      ApplicationName: { Ref: id(application) },
      DeploymentGroupName: 'svc',
      DeploymentConfigName: { Ref: Match.anyValue() },
      DeploymentStyle: { DeploymentType: 'BLUE_GREEN', DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
      AlarmConfiguration: { Enabled: true, Alarms: [{ Name: 'cmv-svc-error-rate' }] },
      AutoRollbackConfiguration: { Enabled: true, Events: Match.arrayWith(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM']) },
    });
  });

  it('creates the custom config with its name and traffic routing, and uses it as the group default', () => {
    // THEN
    const configs = template.findResources('AWS::CodeDeploy::DeploymentConfig');
    expect(Object.values(configs).map((c) => c.Properties)).toEqual([
      {
        DeploymentConfigName: 'svc-linear-20-2',
        ComputePlatform: 'Lambda',
        TrafficRoutingConfig: { Type: 'TimeBasedLinear', TimeBasedLinear: { LinearInterval: 2, LinearPercentage: 20 } },
      },
    ]);
    const [group] = Object.values(template.findResources('AWS::CodeDeploy::DeploymentGroup'));
    expect(group.Properties.DeploymentConfigName).toEqual({ Ref: Object.keys(configs)[0] });
  });

  it("leaves the alias out of CloudFormation's CodeDeploy updates: no CodeDeployLambdaAliasUpdate policy (a stack update never deploys through the hooks)", () => {
    // THEN
    const [alias] = Object.values(template.findResources('AWS::Lambda::Alias'));
    expect(alias).toBeDefined();
    expect(alias.UpdatePolicy).toBeUndefined();
  });

  it("lets the group's role invoke CMV's hooks, which CMV's AppSpec names", () => {
    // THEN
    const invoke = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
      .filter((s) => s.Action === 'lambda:InvokeFunction');
    expect(invoke).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Resource: expect.arrayContaining([{ 'Fn::GetAtt': [id(before), 'Arn'] }]) }),
        expect.objectContaining({ Resource: expect.arrayContaining([{ 'Fn::GetAtt': [id(after), 'Arn'] }]) }),
      ]),
    );
  });

  it('grants CreateDeployment, GetDeployment and StopDeployment on the deployment group only, and the configs and revisions CreateDeployment reads', () => {
    // THEN
    const byAction = Object.fromEntries(deployerStatements().map((s) => [String(s.Action), s.Resource]));
    const groupArn = expect.objectContaining({ 'Fn::Join': ['', expect.arrayContaining([':deploymentgroup:', { Ref: id(application) }])] });
    expect(byAction['codedeploy:CreateDeployment']).toEqual(groupArn);
    expect(byAction['codedeploy:GetDeployment']).toEqual(groupArn);
    expect(byAction['codedeploy:StopDeployment']).toEqual(groupArn);
    expect(JSON.stringify(byAction['codedeploy:GetDeploymentConfig'])).toContain('CodeDeployDefault.LambdaCanary10Percent5Minutes');
    expect(JSON.stringify(byAction['codedeploy:GetDeploymentConfig'])).toContain(
      `{"Ref":"${Object.keys(template.findResources('AWS::CodeDeploy::DeploymentConfig'))[0]}"}`,
    );
    expect(byAction['codedeploy:RegisterApplicationRevision,codedeploy:GetApplicationRevision']).toBeDefined();
    // CreateDeployment with overrideAlarmConfiguration (the registered target's alarms) needs UpdateDeploymentGroup (CodeDeploy API reference)
    expect(byAction['codedeploy:UpdateDeploymentGroup']).toEqual(groupArn);
    expect(
      deployerStatements()
        .flatMap((s) => s.Action)
        .filter((a) => a.includes('*')),
    ).toEqual([]);
  });

  it('lets the deploy steps put the alarms any registration of the target may arm, whatever the stack was given', () => {
    const puts = deployerStatements().filter((s) => s.Action === 'cloudwatch:PutMetricAlarm');
    expect(JSON.stringify(puts.map((s) => s.Resource))).toMatch(
      /alarm:cmv-svc-error-rate".*alarm:cmv-svc-p99-latency".*alarm:cmv-svc-throttles".*alarm:cmv-svc-custom-\*"/,
    );
    expect(puts.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]))).toHaveLength(4);
  });

  it("refuses a target whose deployment config is neither CodeDeploy's nor a custom one", () => {
    expect(
      () =>
        new RegisteredTarget(new Stack(new App(), 'T'), 'Target', {
          name: 'svc',
          source: path.join(__dirname, '..', '..', 'examples', 'benefit-calculator', 'service'),
          handler: 'src/index.handler',
          codeDeploy: { deploymentConfig: 'Canary99Percent1Minute' },
        }),
    ).toThrow(/unknown deployment config "Canary99Percent1Minute"/);
  });

  it('leaves no unacknowledged cdk-nag finding on the deployment group', () => {
    const report = new AwsSolutionsChecks(app).validateScope(app);
    const onGroup = report.violations.filter((v) => v.violatingResources.some((r) => r.constructPath?.includes('/DeploymentGroup')));
    expect(onGroup.map((v) => `${v.severity} ${v.ruleName}`)).toEqual([]);
  });
});
