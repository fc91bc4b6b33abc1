import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CmvWakes } from '../../lib/constructs/cmv-wakes';

/** The workflow's wake-ups (issue #10): a schedule group, the wake function, the scheduler's role, and the exact grants around them. */
describe('CmvWakes', () => {
  // GIVEN a function that schedules wake-ups (the workflow's wait step) and one that does not
  const app = new App();
  const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'eu-central-1' } });
  const wakes = new CmvWakes(stack, 'Wakes', { environment: { CHANGES_TABLE: 'x' } });
  const waitStep = new Role(stack, 'WaitStep', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  new Role(stack, 'Other', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  // WHEN
  wakes.grantScheduleWakes(waitStep);
  const template = Template.fromStack(stack);
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
  type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string };
  const statementsOf = (roleId: string): Statement[] =>
    Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } })).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Statement[],
    );
  const allStatements = (): Statement[] =>
    Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
  const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

  it('creates one schedule group for the wake-ups, named after the stack', () => {
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: stack.resolve(wakes.group.scheduleGroupName) });
    expect(stack.resolve(wakes.group.scheduleGroupName)).toMatch(/^S-[0-9a-zA-Z-_.]{1,60}$/);
  });

  it('lets EventBridge Scheduler of this account only assume the role, which may invoke the wake function and nothing else', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
          },
        ],
      },
    });
    expect(statementsOf(id(wakes.role))).toEqual([
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [id(wakes.function.function), 'Arn'] } },
    ]);
  });

  it('lets the wait step create schedules in the wake group only, and pass the scheduler role to EventBridge Scheduler only', () => {
    const group = stack.resolve(wakes.group.scheduleGroupName) as string;
    expect(statementsOf(id(waitStep))).toEqual(
      expect.arrayContaining([
        {
          Action: 'scheduler:CreateSchedule',
          Effect: 'Allow',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:scheduler:eu-central-1:123456789012:schedule/${group}/*`]] },
        },
        {
          Action: 'iam:PassRole',
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [id(wakes.role), 'Arn'] },
          Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        },
      ]),
    );
    expect(statementsOf(id(waitStep)).flatMap(actions).sort()).toEqual(['iam:PassRole', 'scheduler:CreateSchedule']);
  });

  it('grants no one else a scheduler action or the scheduler role', () => {
    const granted = allStatements().filter((s) => actions(s).some((a) => a.startsWith('scheduler:') || a === 'iam:PassRole'));
    expect(granted).toHaveLength(2);
  });

  it('tells the wait step where to schedule: the group, the wake function and the role', () => {
    expect(stack.resolve(wakes.environment)).toEqual({
      WAKE_SCHEDULE_GROUP: stack.resolve(wakes.group.scheduleGroupName),
      WAKE_FUNCTION_ARN: { 'Fn::GetAtt': [id(wakes.function.function), 'Arn'] },
      WAKE_ROLE_ARN: { 'Fn::GetAtt': [id(wakes.role), 'Arn'] },
    });
  });
});
