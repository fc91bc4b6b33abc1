import type { AlarmSettings, CustomAlarm } from './target-settings';

type Comparison = CustomAlarm['comparison'];
type TreatMissingData = CustomAlarm['treatMissingData'];

/**
 * The alarms that guard a deployment of a target, as CloudWatch metric alarms (the fields of
 * PutMetricAlarm). They watch the new version's own metrics — Lambda's `ExecutedVersion`
 * dimension on the alias (`Resource` = `function:alias`) — so the old version's errors never count
 * against the new one, and they are re-armed on each new version before traffic reaches it. Each
 * fires when `evaluationPeriods` periods of `periodSeconds` in a row breach. Names are
 * `cmv-<target>-<what>`: the CDK grants name them by {@link alarmNamePatternsFor}.
 */

/** A metric of a metric alarm or of one of its metric-math queries. */
interface MetricRef {
  readonly Namespace: string;
  readonly MetricName: string;
  readonly Dimensions: { Name: string; Value: string }[];
}

/** One alarm, in PutMetricAlarm's terms (periods in s). */
export interface AlarmDefinition {
  readonly AlarmName: string;
  readonly AlarmDescription: string;
  readonly ComparisonOperator: Comparison;
  readonly Threshold: number;
  readonly EvaluationPeriods: number;
  readonly DatapointsToAlarm: number;
  readonly TreatMissingData: TreatMissingData;
  /** A single metric … */
  readonly Namespace?: string;
  readonly MetricName?: string;
  readonly Dimensions?: MetricRef['Dimensions'];
  readonly Period?: number;
  readonly Statistic?: 'Sum' | 'Average' | 'Minimum' | 'Maximum' | 'SampleCount';
  /** A percentile such as `p99`. */
  readonly ExtendedStatistic?: string;
  /** … or metric math. */
  readonly Metrics?: {
    readonly Id: string;
    readonly ReturnData: boolean;
    readonly Label?: string;
    readonly Expression?: string;
    readonly MetricStat?: { readonly Metric: MetricRef; readonly Period: number; readonly Stat: string };
  }[];
}

/** What a deployment's alarms are armed on: the target's function and alias, and the new version. */
export interface AlarmSubject {
  readonly target: string;
  readonly functionName: string;
  readonly alias: string;
  /** The published Lambda version being deployed. */
  readonly functionVersion: string;
}

/** The name of a target's error-rate alarm (always armed). */
export const errorRateAlarmName = (target: string) => `cmv-${target}-error-rate`;
const p99AlarmName = (target: string) => `cmv-${target}-p99-latency`;
const throttlesAlarmName = (target: string) => `cmv-${target}-throttles`;
const customAlarmName = (target: string, name: string) => `cmv-${target}-custom-${name}`;

/**
 * The names of every alarm that guards a deployment of `target`: error rate, then p99 latency and
 * throttles when set, then the custom alarms (`cmv-<target>-custom-<name>`).
 */
export function alarmNamesFor(target: string, alarms: AlarmSettings): string[] {
  return [
    errorRateAlarmName(target),
    ...(alarms.p99LatencyMs !== undefined ? [p99AlarmName(target)] : []),
    ...(alarms.throttles !== undefined ? [throttlesAlarmName(target)] : []),
    ...alarms.custom.map((c) => customAlarmName(target, c.name)),
  ];
}

/**
 * Every alarm name a registration of `target` may arm, whatever its `alarms` say, as IAM resource
 * patterns: the error rate, p99 and throttle alarms by name, the custom ones by the prefix
 * `cmv-<target>-custom-` (`*` matches any custom alarm's name). The stack grants exactly these, so
 * the grants depend on the target's name only and a registration that adds an alarm is covered;
 * never the stack's own standing alarm on the alias (`cmv-<target>-<alias>-error-rate`).
 */
export function alarmNamePatternsFor(target: string): string[] {
  return [errorRateAlarmName(target), p99AlarmName(target), throttlesAlarmName(target), customAlarmName(target, '*')];
}

const STATISTICS = new Set(['Sum', 'Average', 'Minimum', 'Maximum', 'SampleCount']);

/**
 * The alarm definitions of a deployment, in the order of {@link alarmNamesFor}:
 * - error rate: `IF(invocations >= minimumRequests, 100 * errors / invocations, 0)` in % above
 *   `errorRatePercent`; missing data is not breaching (no requests is no evidence of failure);
 * - p99 latency: Duration p99 in ms above `p99LatencyMs`; missing data not breaching (no traffic is
 *   not slowness);
 * - throttles: Throttles (Sum) above `throttles` per period, on the alias — Lambda has no
 *   `ExecutedVersion` for a throttled request, no version ran it; missing data not breaching;
 * - custom: the metric as written, with `ExecutedVersion` added when `perVersion`, percentiles as
 *   ExtendedStatistic, and the alarm's own `treatMissingData` (default `missing`: the alarm waits
 *   in INSUFFICIENT_DATA rather than guess).
 */
export function alarmDefinitions(subject: AlarmSubject, alarms: AlarmSettings): AlarmDefinition[] {
  const { target, functionName, alias, functionVersion } = subject;
  const [errorRate, ...rest] = alarmNamesFor(target, alarms);
  const aliasDimensions = [
    { Name: 'FunctionName', Value: functionName },
    { Name: 'Resource', Value: `${functionName}:${alias}` },
  ];
  const versionDimensions = [...aliasDimensions, { Name: 'ExecutedVersion', Value: functionVersion }];
  const common = {
    EvaluationPeriods: alarms.evaluationPeriods,
    DatapointsToAlarm: alarms.evaluationPeriods,
    ComparisonOperator: 'GreaterThanThreshold' as const,
  };
  const period = alarms.periodSeconds;
  const lambda = (metricName: string, dimensions: MetricRef['Dimensions']) => ({
    Namespace: 'AWS/Lambda',
    MetricName: metricName,
    Dimensions: dimensions,
    Period: period,
  });
  const stat = (id: string, metricName: string) => ({
    Id: id,
    ReturnData: false,
    MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: metricName, Dimensions: versionDimensions }, Period: period, Stat: 'Sum' },
  });
  const definitions: AlarmDefinition[] = [
    {
      ...common,
      AlarmName: errorRate,
      AlarmDescription: `Error rate of ${target} version ${functionVersion} above ${alarms.errorRatePercent}% (CMV canary guard; below ${alarms.minimumRequests} requests a period counts as 0; no data is not breaching)`,
      Metrics: [
        stat('errors', 'Errors'),
        stat('invocations', 'Invocations'),
        { Id: 'rate', Label: 'Error rate (%)', ReturnData: true, Expression: `IF(invocations >= ${alarms.minimumRequests}, 100 * errors / invocations, 0)` },
      ],
      Threshold: alarms.errorRatePercent,
      TreatMissingData: 'notBreaching',
    },
  ];
  let next = 0;
  if (alarms.p99LatencyMs !== undefined) {
    definitions.push({
      ...common,
      ...lambda('Duration', versionDimensions),
      AlarmName: rest[next++],
      AlarmDescription: `p99 latency of ${target} version ${functionVersion} above ${alarms.p99LatencyMs} ms (CMV canary guard; no traffic is not slowness)`,
      ExtendedStatistic: 'p99',
      Threshold: alarms.p99LatencyMs,
      TreatMissingData: 'notBreaching',
    });
  }
  if (alarms.throttles !== undefined) {
    definitions.push({
      ...common,
      ...lambda('Throttles', aliasDimensions),
      AlarmName: rest[next++],
      AlarmDescription: `Throttled requests of ${target}:${alias} above ${alarms.throttles} per period while version ${functionVersion} deploys (CMV canary guard; Lambda records throttles per alias, not per version)`,
      Statistic: 'Sum',
      Threshold: alarms.throttles,
      TreatMissingData: 'notBreaching',
    });
  }
  for (const custom of alarms.custom) definitions.push(customDefinition(rest[next++], custom, subject, alarms));
  return definitions;
}

function customDefinition(name: string, c: CustomAlarm, subject: AlarmSubject, alarms: AlarmSettings): AlarmDefinition {
  const dimensions = [
    ...Object.entries(c.dimensions).map(([Name, Value]) => ({ Name, Value })),
    ...(c.perVersion ? [{ Name: 'ExecutedVersion', Value: subject.functionVersion }] : []),
  ];
  return {
    AlarmName: name,
    AlarmDescription: `${c.namespace} ${c.metricName} (${c.statistic}) of ${subject.target}${c.perVersion ? ` version ${subject.functionVersion}` : ''} ${c.comparison} ${c.threshold} (CMV custom canary guard "${c.name}"; missing data: ${c.treatMissingData})`,
    Namespace: c.namespace,
    MetricName: c.metricName,
    Dimensions: dimensions,
    Period: alarms.periodSeconds,
    ...(STATISTICS.has(c.statistic) ? { Statistic: c.statistic as AlarmDefinition['Statistic'] } : { ExtendedStatistic: c.statistic }),
    ComparisonOperator: c.comparison,
    Threshold: c.threshold,
    EvaluationPeriods: alarms.evaluationPeriods,
    DatapointsToAlarm: alarms.evaluationPeriods,
    TreatMissingData: c.treatMissingData,
  };
}
