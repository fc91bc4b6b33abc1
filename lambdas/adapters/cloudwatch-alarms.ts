import { type CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import type { AlarmStatus, AlarmWatch } from '../core/ports';
import type { Target } from '../core/target';

/** The alarm name of a target's error-rate guard. The CDK grant covers `cmv-<target>-*`. */
export const errorRateAlarmName = (target: string) => `cmv-${target}-error-rate`;

/**
 * CloudWatch alarms of a deployment. The error-rate alarm is metric math over the new version's own
 * metrics (AWS/Lambda Errors and Invocations by FunctionName, Resource and ExecutedVersion), so the
 * old version's errors never count against the new one. Below `minimumRequests` in a period the rate
 * is 0: a single failed request out of two does not roll back. Missing data is not breaching.
 */
export class CloudWatchAlarmWatch implements AlarmWatch {
  constructor(private readonly cloudwatch: Pick<CloudWatchClient, 'send'>) {}

  async armForVersion(target: Target, functionVersion: string): Promise<string[]> {
    const name = errorRateAlarmName(target.name);
    const { errorRatePercent, periodSeconds, evaluationPeriods, minimumRequests } = target.alarms;
    const dimensions = [
      { Name: 'FunctionName', Value: target.functionName },
      { Name: 'Resource', Value: `${target.functionName}:${target.alias}` },
      { Name: 'ExecutedVersion', Value: functionVersion },
    ];
    const stat = (id: string, metricName: string) => ({
      Id: id,
      ReturnData: false,
      MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: metricName, Dimensions: dimensions }, Period: periodSeconds, Stat: 'Sum' },
    });
    await this.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        AlarmDescription: `Error rate of ${target.name} version ${functionVersion} above ${errorRatePercent}% (CMV canary guard)`,
        Metrics: [
          stat('errors', 'Errors'),
          stat('invocations', 'Invocations'),
          { Id: 'rate', Label: 'Error rate (%)', ReturnData: true, Expression: `IF(invocations >= ${minimumRequests}, 100 * errors / invocations, 0)` },
        ],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: errorRatePercent,
        EvaluationPeriods: evaluationPeriods,
        DatapointsToAlarm: evaluationPeriods,
        TreatMissingData: 'notBreaching',
      }),
    );
    return [name];
  }

  async describe(names: readonly string[]): Promise<AlarmStatus[]> {
    const out = await this.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [...names], AlarmTypes: ['MetricAlarm'] }));
    return (out.MetricAlarms ?? []).map((a) => ({
      name: a.AlarmName ?? '',
      state: (a.StateValue ?? 'INSUFFICIENT_DATA') as AlarmStatus['state'],
      reason: a.StateReason ?? '',
      updatedAt: (a.StateUpdatedTimestamp ?? new Date(0)).toISOString(),
    }));
  }
}
