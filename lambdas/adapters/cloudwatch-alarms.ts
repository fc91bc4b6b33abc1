import { DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { alarmDefinitions } from '../core/alarm-definitions';
import type { AlarmStatus } from '../core/observations';
import type { AlarmWatch } from '../core/ports';
import type { Target } from '../core/target';
import type { AwsClient } from './aws-client';

export { errorRateAlarmName } from '../core/alarm-definitions';

/**
 * CloudWatch alarms of a deployment: puts every alarm of {@link alarmDefinitions} — error rate, p99
 * latency, throttles and the target's custom alarms — on the new version's own metrics (a re-put
 * alarm starts again from INSUFFICIENT_DATA, as CloudWatch does), and reads their states.
 */
export class CloudWatchAlarmWatch implements AlarmWatch {
  constructor(private readonly cloudwatch: AwsClient) {}

  async armForVersion(target: Target, functionVersion: string): Promise<string[]> {
    const definitions = alarmDefinitions({ target: target.name, functionName: target.functionName, alias: target.alias, functionVersion }, target.alarms);
    for (const d of definitions) {
      await this.cloudwatch.send(new PutMetricAlarmCommand(d));
    }
    return definitions.map((d) => d.AlarmName);
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
