import { randomUUID } from 'node:crypto';
import {
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type MetricDataQuery,
  type MetricDataResult,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';

/** One recorded datapoint (epoch ms). */
interface Datapoint {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Record<string, string>;
  readonly value: number;
  readonly at: number;
}

type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/**
 * The event CloudWatch sends to EventBridge when an alarm changes state ("CloudWatch Alarm State
 * Change", source `aws.cloudwatch`), with the fields AWS sets. Timestamps in CloudWatch's own
 * format, e.g. `2026-11-22T10:00:00.000+0000`.
 */
export interface AlarmStateChangeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'CloudWatch Alarm State Change';
  readonly source: 'aws.cloudwatch';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: {
    readonly alarmName: string;
    readonly state: { readonly value: AlarmState; readonly reason: string; readonly timestamp: string };
    readonly previousState: { readonly value: AlarmState; readonly reason: string; readonly timestamp: string };
    readonly configuration: { readonly description?: string };
  };
}

/** `2026-11-22T10:00:00.000+0000`: how CloudWatch writes times in its state-change events. */
const cloudWatchTime = (d: Date) => d.toISOString().replace('Z', '+0000');

interface StoredAlarm {
  readonly input: PutMetricAlarmCommandInput;
  state: AlarmState;
  reason: string;
  updatedAt: Date;
}

let mathjs: ReturnType<typeof import('mathjs').create> | undefined;
/**
 * CloudWatch metric math, with its IF function (CloudWatch "Using metric math"). Loaded on the first
 * expression: mathjs takes a third of a second to load, and a run without traffic evaluates none.
 */
function math() {
  if (!mathjs) {
    const { all, create } = require('mathjs') as typeof import('mathjs');
    mathjs = create(all);
    mathjs.import({ IF: (cond: unknown, a: number, b: number) => (cond ? a : b) }, { override: true });
  }
  return mathjs;
}

/**
 * Local stand-in for CloudWatch: metrics the local Lambda host records (AWS/Lambda Invocations,
 * Errors, Duration by FunctionName, Resource and ExecutedVersion) and metric alarms (PutMetricAlarm,
 * DescribeAlarms) evaluated like CloudWatch: `EvaluationPeriods` periods of `Period` s each, a
 * period breaching when the returned metric (or expression) crosses the threshold, ALARM when
 * `DatapointsToAlarm` of them breach, and periods without data treated per `TreatMissingData`.
 * `speed` divides every period (a 60 s period lasts 1 s at speed 60). Like CloudWatch, it
 * evaluates every alarm continuously once {@link startEvaluating} runs, and tells each state change
 * to its {@link onStateChange} listeners as the EventBridge event AWS sends. GetMetricData answers
 * MetricStat queries (no expressions).
 */
export class LocalCloudWatch {
  private readonly points: Datapoint[] = [];
  private readonly alarms = new Map<string, StoredAlarm>();
  private readonly listeners: ((event: AlarmStateChangeEvent) => void)[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly speed = 1) {}

  /** Records one datapoint (the Lambda host calls this for every invocation). */
  record(namespace: string, name: string, dimensions: Record<string, string>, value: number): void {
    this.points.push({ namespace, name, dimensions, value, at: Date.now() });
    if (this.points.length > 200_000) this.points.splice(0, 100_000);
  }

  /** Calls `listener` with the "CloudWatch Alarm State Change" event of every alarm state change. */
  onStateChange(listener: (event: AlarmStateChangeEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Evaluates every alarm each `intervalMs` (default 1 s of scaled time: 1000 / speed ms, at least 10 ms), as CloudWatch does. */
  startEvaluating(intervalMs = Math.max(10, 1000 / this.speed)): void {
    this.stopEvaluating();
    this.timer = setInterval(() => {
      for (const name of this.alarms.keys()) this.evaluate(name);
    }, intervalMs);
    this.timer.unref();
  }

  stopEvaluating(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async send(command: unknown): Promise<unknown> {
    if (command instanceof GetMetricDataCommand) {
      const { StartTime, EndTime, MetricDataQueries = [] } = command.input;
      const from = new Date(StartTime ?? 0).getTime();
      const to = new Date(EndTime ?? Date.now()).getTime();
      const results: MetricDataResult[] = MetricDataQueries.map((q) => this.metricData(q, from, to));
      return { MetricDataResults: results, Messages: [] };
    }
    if (command instanceof PutMetricAlarmCommand) {
      const name = command.input.AlarmName ?? '';
      // PutMetricAlarm resets the state, as in CloudWatch: a re-pointed alarm starts from INSUFFICIENT_DATA.
      this.alarms.set(name, { input: command.input, state: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', updatedAt: new Date() });
      return {};
    }
    if (command instanceof DescribeAlarmsCommand) {
      const names = command.input.AlarmNames ?? [...this.alarms.keys()];
      return {
        MetricAlarms: names
          .filter((n) => this.alarms.has(n))
          .map((n) => {
            const alarm = this.evaluate(n);
            return { ...alarm.input, AlarmName: n, StateValue: alarm.state, StateReason: alarm.reason, StateUpdatedTimestamp: alarm.updatedAt };
          }),
      };
    }
    throw new Error(`LocalCloudWatch does not support ${(command as object).constructor.name}`);
  }

  /** Evaluates an alarm now and updates its state (and state time, on a change). */
  evaluate(name: string): StoredAlarm {
    const alarm = this.alarms.get(name);
    if (!alarm) throw Object.assign(new Error(`alarm ${name} does not exist`), { name: 'ResourceNotFound' });
    const {
      EvaluationPeriods = 1,
      DatapointsToAlarm = EvaluationPeriods,
      Threshold = 0,
      ComparisonOperator = 'GreaterThanThreshold',
      TreatMissingData = 'missing',
    } = alarm.input;
    const periodMs = ((alarm.input.Period ?? alarm.input.Metrics?.find((m) => m.MetricStat)?.MetricStat?.Period ?? 60) * 1000) / this.speed;
    const now = Date.now();
    const values: (number | undefined)[] = [];
    for (let i = EvaluationPeriods - 1; i >= 0; i--) values.push(this.valueIn(alarm.input, now - (i + 1) * periodMs, now - i * periodMs));
    const present = values.filter((v): v is number => v !== undefined);
    const breaching =
      present.filter((v) => compare(v, ComparisonOperator, Threshold)).length + (TreatMissingData === 'breaching' ? values.length - present.length : 0);
    let state: AlarmState;
    let reason: string;
    if (breaching >= DatapointsToAlarm) {
      state = 'ALARM';
      reason = `Threshold Crossed: ${breaching} of ${values.length} datapoints [${present.map((v) => v.toFixed(2)).join(', ')}] were ${ComparisonOperator} ${Threshold}`;
    } else if (present.length === 0 && TreatMissingData === 'missing') {
      state = 'INSUFFICIENT_DATA';
      reason = 'Insufficient Data: no datapoints in the evaluation periods';
    } else {
      state = 'OK';
      reason = `Threshold Crossed: ${breaching} of ${values.length} datapoints [${present.map((v) => v.toFixed(2)).join(', ')}] were ${ComparisonOperator} ${Threshold}`;
    }
    if (state !== alarm.state) {
      const previous = { value: alarm.state, reason: alarm.reason, timestamp: cloudWatchTime(alarm.updatedAt) };
      alarm.state = state;
      alarm.updatedAt = new Date();
      alarm.reason = reason;
      this.emit(name, alarm, previous);
    }
    alarm.reason = reason;
    return alarm;
  }

  private emit(name: string, alarm: StoredAlarm, previousState: AlarmStateChangeEvent['detail']['previousState']): void {
    const event: AlarmStateChangeEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: '000000000000',
      time: alarm.updatedAt.toISOString().replace(/\.\d+Z$/, 'Z'),
      region: 'local',
      resources: [`arn:aws:cloudwatch:local:000000000000:alarm:${name}`],
      detail: {
        alarmName: name,
        state: { value: alarm.state, reason: alarm.reason, timestamp: cloudWatchTime(alarm.updatedAt) },
        previousState,
        configuration: { description: alarm.input.AlarmDescription },
      },
    };
    for (const listener of this.listeners) listener(event);
  }

  /** One GetMetricData result: the MetricStat's statistic per `Period` from `from`, newest first (CloudWatch's default order). */
  private metricData(q: MetricDataQuery, from: number, to: number): MetricDataResult {
    const m = q.MetricStat;
    if (!m?.Metric)
      throw Object.assign(new Error(`query ${q.Id}: LocalCloudWatch answers MetricStat queries only`), { name: 'InvalidParameterValueException' });
    const periodMs = ((m.Period ?? 60) * 1000) / this.speed;
    const timestamps: Date[] = [];
    const values: number[] = [];
    for (let start = from; start < to; start += periodMs) {
      const v = this.stat(
        m.Metric.Namespace ?? '',
        m.Metric.MetricName ?? '',
        dims(m.Metric.Dimensions),
        m.Stat ?? 'Sum',
        start,
        Math.min(to, start + periodMs),
      );
      if (v === undefined) continue;
      timestamps.unshift(new Date(start));
      values.unshift(v);
    }
    return { Id: q.Id, Label: q.Label ?? m.Metric.MetricName, Timestamps: timestamps, Values: values, StatusCode: 'Complete' };
  }

  /** The alarm's returned value over [from, to), or undefined when there is no data. */
  private valueIn(input: PutMetricAlarmCommandInput, from: number, to: number): number | undefined {
    if (input.MetricName) {
      return this.stat(input.Namespace ?? '', input.MetricName, dims(input.Dimensions), input.ExtendedStatistic ?? input.Statistic ?? 'Sum', from, to);
    }
    const queries = input.Metrics ?? [];
    const scope: Record<string, number> = {};
    for (const q of queries) {
      if (!q.MetricStat?.Metric) continue;
      const v = this.stat(
        q.MetricStat.Metric.Namespace ?? '',
        q.MetricStat.Metric.MetricName ?? '',
        dims(q.MetricStat.Metric.Dimensions),
        q.MetricStat.Stat ?? 'Sum',
        from,
        to,
      );
      if (v === undefined) return undefined;
      scope[q.Id ?? ''] = v;
    }
    const returned = queries.find((q: MetricDataQuery) => q.ReturnData !== false) ?? queries[queries.length - 1];
    if (!returned) return undefined;
    if (returned.Expression) return Number(math().evaluate(returned.Expression, scope));
    return scope[returned.Id ?? ''];
  }

  private stat(namespace: string, name: string, dimensions: Record<string, string>, stat: string, from: number, to: number): number | undefined {
    const values = this.points
      .filter(
        (p) => p.namespace === namespace && p.name === name && p.at >= from && p.at < to && Object.entries(dimensions).every(([k, v]) => p.dimensions[k] === v),
      )
      .map((p) => p.value);
    if (values.length === 0) return undefined;
    if (stat === 'Sum') return values.reduce((a, b) => a + b, 0);
    if (stat === 'Average') return values.reduce((a, b) => a + b, 0) / values.length;
    if (stat === 'Maximum') return Math.max(...values);
    if (stat === 'Minimum') return Math.min(...values);
    if (stat === 'SampleCount') return values.length;
    const p = /^p(\d+(?:\.\d+)?)$/.exec(stat);
    if (p) {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.min(sorted.length - 1, Math.ceil((Number(p[1]) / 100) * sorted.length) - 1)];
    }
    throw new Error(`LocalCloudWatch does not support the statistic ${stat}`);
  }
}

function dims(list: readonly { Name?: string; Value?: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map((d) => [d.Name ?? '', d.Value ?? '']));
}

function compare(value: number, op: string, threshold: number): boolean {
  switch (op) {
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
    default:
      throw new Error(`LocalCloudWatch does not support ${op}`);
  }
}
