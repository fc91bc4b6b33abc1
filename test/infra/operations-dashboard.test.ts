import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, Pass, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OperationsDashboard } from '../../lib/constructs/operations-dashboard';

/** The dashboard's widget titles, each naming what it shows. */
const WIDGETS = [
  'Workflow executions',
  'Changes',
  'Rollbacks by cause',
  'Proposal to full traffic (ms)',
  'Alarm to rollback (ms)',
  'Approval backlog age (s)',
  'Handler errors',
  'Handler throttles',
  'Event publisher dead letters',
  'Digest job errors',
  'Alarms',
];

/** CMV's operations: its dashboard, its alarms and the operator topic they notify. */
describe('OperationsDashboard', () => {
  // GIVEN a state machine, two handlers, a digest function and a dead-letter queue
  const app = new App({ context: { cmvOperatorEmail: 'ops@example.com' } });
  const stack = new Stack(app, 'S');
  const fn = (id: string) =>
    new LambdaFunction(stack, id, { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler=1') });
  const stateMachine = new StateMachine(stack, 'Workflow', { definitionBody: DefinitionBody.fromChainable(new Pass(stack, 'P')) });
  const propose = fn('Propose');
  const sweep = fn('Sweep');
  const digest = fn('Digest');
  const deadLetters = new Queue(stack, 'DeadLetters', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true });
  // WHEN
  const ops = new OperationsDashboard(stack, 'Operations', {
    stateMachine,
    functions: { 'api/propose-change': propose, 'scheduled/sweep': sweep, 'scheduled/make-digest': digest },
    digestFunction: digest,
    publisherDeadLetters: deadLetters,
  });
  const template = Template.fromStack(stack);
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
  const topic = { Ref: id(ops.topic) };

  it('builds one dashboard that names each widget', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    for (const title of WIDGETS) expect({ title, shown: body.includes(`\\"title\\":\\"${title}\\"`) }).toEqual({ title, shown: true });
  });

  it('alarms on failed and timed-out workflow executions, to the operator topic', () => {
    for (const metricName of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: metricName,
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: id(stateMachine) } }],
        Threshold: 1,
        AlarmActions: [topic],
      });
    }
  });

  it("alarms on each handler's errors and throttles, and on the digest function's errors on its own", () => {
    for (const handler of [propose, sweep]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: 'errors + throttles' }),
          Match.objectLike({
            Id: 'errors',
            MetricStat: Match.objectLike({
              Metric: Match.objectLike({ MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(handler) } }] }),
            }),
          }),
          Match.objectLike({
            Id: 'throttles',
            MetricStat: Match.objectLike({
              Metric: Match.objectLike({ MetricName: 'Throttles', Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(handler) } }] }),
            }),
          }),
        ]),
        AlarmActions: [topic],
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(digest) } }],
      AlarmName: Match.stringLikeRegexp('ledger digest failures'),
      AlarmActions: [topic],
    });
    // 2 workflow + 2 handlers + backlog + dead letters + digest: the digest function has no second alarm
    template.resourceCountIs('AWS::CloudWatch::Alarm', 7);
  });

  it("alarms on the approval backlog's age (CMV's metric) and on the publisher's dead letters", () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CMV',
      MetricName: 'ApprovalBacklogAgeSeconds',
      Dimensions: [{ Name: 'service', Value: 'cmv' }],
      Statistic: 'Maximum',
      Threshold: 86400,
      AlarmActions: [topic],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(deadLetters), 'QueueName'] } }],
      Threshold: 1,
      AlarmActions: [topic],
    });
  });

  it('names no alarm with the target alarms\' prefix "cmv-", which the rollback rule matches', () => {
    const names = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.AlarmName as string);
    expect(names.filter((n) => n.startsWith('cmv-'))).toEqual([]);
  });

  it('notifies a KMS-encrypted, TLS-only topic that CloudWatch may encrypt to, and subscribes cmvOperatorEmail', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue(), DisplayName: 'CMV operations' });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: topic });
  });

  it('refuses a cmvOperatorEmail that is not an e-mail address', () => {
    const bad = new Stack(new App({ context: { cmvOperatorEmail: 'ops' } }), 'B');
    const f = new LambdaFunction(bad, 'F', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler=1') });
    const sm = new StateMachine(bad, 'W', { definitionBody: DefinitionBody.fromChainable(new Pass(bad, 'P')) });
    const q = new Queue(bad, 'Q');
    expect(() => new OperationsDashboard(bad, 'Ops', { stateMachine: sm, functions: { f }, digestFunction: f, publisherDeadLetters: q })).toThrow(
      /cmvOperatorEmail must be an e-mail address, got "ops"/,
    );
  });

  it('leaves no unacknowledged cdk-nag finding on its resources', () => {
    const report = new AwsSolutionsChecks(app).validateScope(app);
    const onOps = report.violations.filter((v) => v.violatingResources.some((r) => r.constructPath?.includes('/Operations/')));
    expect(onOps.map((v) => `${v.severity} ${v.ruleName}`)).toEqual([]);
  });
});
