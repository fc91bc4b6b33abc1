import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CmvEvents } from '../../lib/constructs/cmv-events';

/** CMV's events: the ledger stream, its event source mapping, the dead-letter queue and the exact PutEvents grant. */
describe('CmvEvents', () => {
  // GIVEN a ledger table with a stream
  const app = new App();
  const stack = new Stack(app, 'S');
  const key = new Key(stack, 'Key', { enableKeyRotation: true });
  const ledger = new Table(stack, 'Ledger', {
    partitionKey: { name: 'chain', type: AttributeType.STRING },
    sortKey: { name: 'seq', type: AttributeType.NUMBER },
    billingMode: BillingMode.PAY_PER_REQUEST,
    encryption: TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: key,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    stream: StreamViewType.NEW_IMAGE,
  });
  // WHEN
  const events = new CmvEvents(stack, 'Events', { ledger, encryptionKey: key, environment: { LEDGER_TABLE: 'x' } });
  const template = Template.fromStack(stack);
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
  const statements = () =>
    Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: id(events.publisher.role) }] } })).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );

  it('feeds the publisher from the ledger stream in order, from the start, reporting failed items, with a dead-letter queue after a day', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [id(ledger), 'StreamArn'] },
      FunctionName: { Ref: id(events.publisher.function) },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 10,
      ParallelizationFactor: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRecordAgeInSeconds: 86400,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [id(events.deadLetterQueue), 'Arn'] } } },
    });
  });

  it('keeps the dead letters encrypted with the app key, TLS only, 14 days', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::GetAtt': [id(key), 'Arn'] }, MessageRetentionPeriod: 1209600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('may put events on the default bus only', () => {
    const puts = statements().filter((s) => s.Action === 'events:PutEvents');
    expect(puts).toEqual([
      expect.objectContaining({
        Resource: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':event-bus/default']],
        },
      }),
    ]);
    expect(
      statements()
        .flatMap((s) => s.Action)
        .filter((a) => a.includes('*')),
    ).toEqual([]);
  });

  it('leaves no unacknowledged cdk-nag finding', () => {
    const report = new AwsSolutionsChecks(app).validateScope(app);
    const onEvents = report.violations.filter((v) => v.violatingResources.some((r) => r.constructPath?.includes('/Events/')));
    expect(onEvents.map((v) => `${v.severity} ${v.ruleName}`)).toEqual([]);
  });
});
