import { Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, type OperationalMetricName, SERVICE_NAME } from '../../lambdas/core/operational-metrics';

/** Properties of {@link OperationsDashboard}. */
export interface OperationsDashboardProps {
  /** The change lifecycle's state machine: its failed and timed-out executions. */
  readonly stateMachine: StateMachine;
  /** Every function of CMV by a readable name (`api/propose-change`): its errors and throttles. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** The function that makes the ledger's digests (its errors: a digest job failed). */
  readonly digestFunction: IFunction;
  /** The dead-letter queue of the ledger → EventBridge publisher (events that were never published). */
  readonly publisherDeadLetters: IQueue;
  /**
   * Age in s of the oldest change awaiting approval above which the backlog alarm fires.
   * @default 86400 (24 h)
   */
  readonly approvalBacklogThresholdSeconds?: number;
  /**
   * An e-mail address subscribed to the operator topic (it must confirm the subscription).
   * @default - the context value `cmvOperatorEmail`; else no subscription
   */
  readonly operatorEmail?: string;
}

/** A CMV metric (namespace `CMV`, dimension `service: cmv`, as Powertools Metrics writes it). */
export function cmvMetric(name: OperationalMetricName, statistic: string, label?: string): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: SERVICE_NAME },
    statistic,
    period: Duration.minutes(5),
    label,
  });
}

/**
 * CMV's own operations: a CloudWatch dashboard (the workflow, the handlers, CMV's metrics) and the
 * alarms an operator must hear of — workflow executions failed or timed out, a handler's errors or
 * throttles, an approval waiting too long, events in the publisher's dead-letter queue, a digest
 * job failing — each notifying the operator topic (SNS, KMS-encrypted, TLS only).
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;
  /** Where every alarm of CMV's operations goes. */
  readonly topic: Topic;
  /** The operator topic's key (CloudWatch may encrypt with it). */
  readonly topicKey: Key;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;
    // Its own key: CloudWatch must encrypt to the topic, and may use no other key of CMV for it.
    this.topicKey = new Key(this, 'TopicKey', { description: 'CMV: the operator topic', enableKeyRotation: true });
    this.topicKey.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Topic', { displayName: 'CMV operations', masterKey: this.topicKey, enforceSSL: true });
    const email = props.operatorEmail ?? contextEmail(this);
    if (email) this.topic.addSubscription(new EmailSubscription(email));
    const action = new SnsAction(this.topic);
    const alarms: Alarm[] = [];
    // Named "<stack> operations: …", never "cmv-…": that prefix is the target alarms' (the rollback rule's).
    const alarm = (alarmId: string, what: string, metric: IMetric, threshold: number, description: string) => {
      const a = new Alarm(this, alarmId, {
        alarmName: `${stackName} operations: ${what}`,
        alarmDescription: `CMV: ${description}`,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(action);
      alarms.push(a);
      return a;
    };

    const sm = props.stateMachine;
    const fiveMinutes = { period: Duration.minutes(5), statistic: 'Sum' };
    alarm('WorkflowFailed', 'workflow executions failed', sm.metricFailed(fiveMinutes), 1, 'a change lifecycle execution failed (see the state machine log)');
    alarm('WorkflowTimedOut', 'workflow executions timed out', sm.metricTimedOut(fiveMinutes), 1, 'a change lifecycle execution timed out');
    const handlers = Object.entries(props.functions).filter(([, fn]) => fn !== props.digestFunction);
    for (const [name, fn] of handlers) {
      const failing = new MathExpression({
        expression: 'errors + throttles',
        usingMetrics: { errors: fn.metricErrors(fiveMinutes), throttles: fn.metricThrottles(fiveMinutes) },
        period: Duration.minutes(5),
        label: `${name} errors + throttles`,
      });
      alarm(`HandlerFailing${pascal(name)}`, `${name} errors or throttles`, failing, 1, `handler ${name} failed or was throttled`);
    }
    const thresholdS = props.approvalBacklogThresholdSeconds ?? 86_400;
    const backlog = cmvMetric('ApprovalBacklogAgeSeconds', 'Maximum');
    alarm('ApprovalBacklog', 'approval backlog', backlog, thresholdS, `a change has awaited approval for ${thresholdS} s or more`);
    const deadLetters = props.publisherDeadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' });
    alarm(
      'PublisherDeadLetters',
      'event publisher dead letters',
      deadLetters,
      1,
      'ledger entries could not be published as events (dead-letter queue not empty)',
    );
    const digestErrors = props.digestFunction.metricErrors(fiveMinutes);
    alarm('DigestFailures', 'ledger digest failures', digestErrors, 1, 'a signed digest of the audit ledger could not be made');
    this.alarms = alarms;

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `${stackName}-operations`, defaultInterval: Duration.days(1) });
    const graph = (title: string, left: IMetric[], width = 12) => new GraphWidget({ title, left, width, height: 6 });
    const fns = Object.entries(props.functions);
    this.dashboard.addWidgets(
      graph('Workflow executions', [
        sm.metricStarted({ ...fiveMinutes, label: 'started' }),
        sm.metricSucceeded({ ...fiveMinutes, label: 'succeeded' }),
        sm.metricFailed({ ...fiveMinutes, label: 'failed' }),
        sm.metricTimedOut({ ...fiveMinutes, label: 'timed out' }),
      ]),
      graph('Changes', [
        cmvMetric('ChangesProposed', 'Sum', 'proposed'),
        cmvMetric('ApprovalsRecorded', 'Sum', 'votes'),
        cmvMetric('DeploymentsStarted', 'Sum', 'deployments started'),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Rollbacks by cause', [
        new MathExpression({
          expression: `SEARCH('{${METRICS_NAMESPACE},cause,service} MetricName="Rollbacks"', 'Sum', 300)`,
          label: '',
          period: Duration.minutes(5),
        }),
      ]),
      graph('Proposal to full traffic (ms)', [cmvMetric('ProposalToFullTrafficMs', 'p50', 'p50'), cmvMetric('ProposalToFullTrafficMs', 'p90', 'p90')]),
    );
    this.dashboard.addWidgets(
      graph('Alarm to rollback (ms)', [cmvMetric('AlarmToRollbackMs', 'p50', 'p50'), cmvMetric('AlarmToRollbackMs', 'Maximum', 'max')]),
      graph('Approval backlog age (s)', [backlog]),
    );
    this.dashboard.addWidgets(
      graph(
        'Handler errors',
        fns.map(([name, fn]) => fn.metricErrors({ ...fiveMinutes, label: name })),
      ),
      graph(
        'Handler throttles',
        fns.map(([name, fn]) => fn.metricThrottles({ ...fiveMinutes, label: name })),
      ),
    );
    this.dashboard.addWidgets(
      graph('Event publisher dead letters', [deadLetters]),
      graph('Digest job errors', [digestErrors]),
      new AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 6 }),
    );
  }
}

/** `api/propose-change` → `ApiProposeChange` (a construct id). */
function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}

/**
 * The context value `cmvOperatorEmail` (`-c cmvOperatorEmail=ops@example.com`).
 * @throws Error when it is set but is not an e-mail address
 */
function contextEmail(scope: Construct): string | undefined {
  const value: unknown = scope.node.tryGetContext('cmvOperatorEmail');
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) {
    throw new Error(`cmvOperatorEmail must be an e-mail address, got ${JSON.stringify(value)}`);
  }
  return value;
}
