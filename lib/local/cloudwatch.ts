import { randomUUID } from 'node:crypto';
import {
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type MetricDataQuery,
  type MetricDataResult,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import type { AwsClient, AwsCommand, AwsOutput } from '../../lambdas/adapters/aws-client';
import { type AlarmState, type AlarmVerdict, alarmState, evaluationIntervalSeconds, evaluationRangeLength, type TreatMissingData } from './alarm-evaluation';
import { checkGetMetricData, checkPutMetricAlarm, OPERATORS } from './cloudwatch-limits';
import { CommandTable } from './command-table';
import { MetricStore } from './metric-store';

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
  /** The evaluation instant (epoch ms) last evaluated, or set by SetAlarmState; -Infinity before the first. */
  evaluatedAt: number;
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

/** 1-minute data, as CloudWatch stores standard-resolution metrics (Lambda's), kept 15 days. */
const RESOLUTION_S = 60;
const RETENTION_S = 15 * 86_400;

/**
 * Local stand-in for CloudWatch: metrics the local Lambda host records (AWS/Lambda Invocations,
 * Errors, Duration by FunctionName, Resource and ExecutedVersion), kept per minute in a
 * {@link MetricStore}, and metric alarms (PutMetricAlarm — refusing what CloudWatch refuses:
 * {@link checkPutMetricAlarm} — SetAlarmState, DescribeAlarms) evaluated
 * as CloudWatch evaluates them: at each evaluation instant (every minute, or every 10 s for
 * periods under a minute: {@link evaluationIntervalSeconds}) over the periods that end there — the
 * evaluation range, longer than `EvaluationPeriods` — with missing data treated as the User Guide's
 * tables say ({@link alarmState}). `speed` divides every duration (a 60 s period lasts 1 s at speed
 * 60). Like CloudWatch, it evaluates every alarm continuously once {@link startEvaluating} runs, and
 * tells each state change to its {@link onStateChange} listeners as the EventBridge event AWS sends.
 * GetMetricData answers MetricStat queries (no expressions), its start rounded down to the minute,
 * refusing what CloudWatch refuses ({@link checkGetMetricData}).
 */
export class LocalCloudWatch implements AwsClient {
  private readonly store: MetricStore;
  private readonly alarms = new Map<string, StoredAlarm>();
  private readonly listeners: ((event: AlarmStateChangeEvent) => void)[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly speed = 1) {
    this.store = new MetricStore((RESOLUTION_S * 1000) / speed, (RETENTION_S * 1000) / speed);
  }

  /** Records one value (the Lambda host calls this for every invocation), at the current time. */
  record(namespace: string, name: string, dimensions: Record<string, string>, value: number): void {
    this.store.record({ namespace, name, dimensions }, value, Date.now());
  }

  /** How many per-minute buckets the metrics hold (bounded by time with data, not by values recorded). */
  get storedBuckets(): number {
    return this.store.bucketCount;
  }

  /** Calls `listener` with the "CloudWatch Alarm State Change" event of every alarm state change. */
  onStateChange(listener: (event: AlarmStateChangeEvent) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Evaluates every alarm as its evaluation instants pass, checking each `intervalMs` (default 1 s of
   * scaled time: 1000 / speed ms, at least 10 ms); a check between two instants costs nothing.
   */
  startEvaluating(intervalMs = Math.max(10, 1000 / this.speed)): void {
    this.stopEvaluating();
    this.timer = setInterval(() => {
      for (const name of this.alarms.keys()) this.refresh(name);
    }, intervalMs);
    this.timer.unref();
  }

  stopEvaluating(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private static readonly commands = new CommandTable<LocalCloudWatch>('LocalCloudWatch')
    .on(GetMetricDataCommand, (s, c) => s.getMetricData(c.input))
    .on(PutMetricAlarmCommand, (s, c) => s.putMetricAlarm(c.input))
    .on(SetAlarmStateCommand, (s, c) => s.setAlarmState(c.input))
    .on(DescribeAlarmsCommand, (s, c) => s.describeAlarms(c.input));

  /** Answers GetMetricData, PutMetricAlarm, SetAlarmState and DescribeAlarms; refuses any other command. */
  async send<Input extends object, Output extends AwsOutput>(command: AwsCommand<Input, Output>): Promise<Output> {
    return LocalCloudWatch.commands.dispatch(this, command);
  }

  private async getMetricData(input: GetMetricDataCommand['input']): Promise<unknown> {
    checkGetMetricData(input);
    const { StartTime, EndTime, MetricDataQueries = [] } = input;
    const minute = (60 * 1000) / this.speed;
    // GetMetricData rounds a start less than 15 days ago down to the minute; the end is exclusive.
    const from = Math.floor(new Date(StartTime ?? 0).getTime() / minute) * minute;
    const to = new Date(EndTime ?? Date.now()).getTime();
    const results: MetricDataResult[] = MetricDataQueries.map((q) => this.metricData(q, from, to));
    return { MetricDataResults: results, Messages: [] };
  }

  private async putMetricAlarm(input: PutMetricAlarmCommand['input']): Promise<unknown> {
    checkPutMetricAlarm(input);
    const name = input.AlarmName ?? '';
    // PutMetricAlarm resets the state, as in CloudWatch: a re-pointed alarm starts from INSUFFICIENT_DATA.
    this.alarms.set(name, {
      input: input,
      state: 'INSUFFICIENT_DATA',
      reason: 'Unchecked: Initial alarm creation',
      updatedAt: new Date(),
      evaluatedAt: Number.NEGATIVE_INFINITY,
    });
    return {};
  }

  private async setAlarmState(input: SetAlarmStateCommand['input']): Promise<unknown> {
    const { AlarmName = '', StateValue, StateReason = '' } = input;
    const alarm = this.alarms.get(AlarmName);
    if (!alarm) throw Object.assign(new Error(`alarm ${AlarmName} does not exist`), { name: 'ResourceNotFound' });
    if (!StateValue || !['OK', 'ALARM', 'INSUFFICIENT_DATA'].includes(StateValue)) {
      throw Object.assign(new Error(`StateValue must be OK, ALARM or INSUFFICIENT_DATA, got ${StateValue}`), { name: 'ValidationError' });
    }
    // The state lasts until the next evaluation instant, as SetAlarmState's does.
    alarm.evaluatedAt = this.lastInstant(alarm.input);
    this.transition(AlarmName, alarm, StateValue, StateReason);
    return {};
  }

  private async describeAlarms(input: DescribeAlarmsCommand['input']): Promise<unknown> {
    const names = input.AlarmNames ?? [...this.alarms.keys()];
    return {
      MetricAlarms: names
        .filter((n) => this.alarms.has(n))
        .map((n) => {
          const alarm = this.refresh(n);
          return { ...alarm.input, AlarmName: n, StateValue: alarm.state, StateReason: alarm.reason, StateUpdatedTimestamp: alarm.updatedAt };
        }),
    };
  }

  /**
   * Brings an alarm up to date: evaluates it at the latest evaluation instant, unless that instant
   * was already evaluated (or its state set since). A state change is told to the listeners.
   */
  evaluate(name: string): StoredAlarm {
    const alarm = this.alarms.get(name);
    if (!alarm) throw Object.assign(new Error(`alarm ${name} does not exist`), { name: 'ResourceNotFound' });
    const instant = this.lastInstant(alarm.input);
    if (instant <= alarm.evaluatedAt) return alarm;
    alarm.evaluatedAt = instant;
    const { EvaluationPeriods = 1, Threshold = 0, ComparisonOperator = 'GreaterThanThreshold', TreatMissingData = 'missing' } = alarm.input;
    const DatapointsToAlarm = alarm.input.DatapointsToAlarm ?? EvaluationPeriods;
    const periodMs = (periodOf(alarm.input) * 1000) / this.speed;
    const length = evaluationRangeLength(EvaluationPeriods);
    const values: (number | undefined)[] = [];
    for (let i = length; i >= 1; i--) values.push(this.valueIn(alarm.input, instant - i * periodMs, instant - (i - 1) * periodMs));
    const verdict = alarmState(
      values.map((v) => (v === undefined ? undefined : compare(v, ComparisonOperator, Threshold))),
      { evaluationPeriods: EvaluationPeriods, datapointsToAlarm: DatapointsToAlarm, treatMissingData: TreatMissingData as TreatMissingData },
      alarm.state,
    );
    if (verdict.basis === 'retained') return alarm;
    const points = values
      .map((v, i) => ({ v, at: instant - (length - i) * periodMs }))
      .filter((p): p is { v: number; at: number } => p.v !== undefined)
      .reverse()
      .slice(0, verdict.evaluated);
    this.transition(name, alarm, verdict.state, reasonFor(verdict, points, alarm.input, DatapointsToAlarm));
    return alarm;
  }

  /**
   * {@link evaluate}, except that an alarm that cannot be evaluated (a statistic not supported here)
   * keeps its state and says why in its reason, as CloudWatch's EVALUATION_ERROR does, instead of
   * stopping the other alarms, DescribeAlarms or the process.
   */
  private refresh(name: string): StoredAlarm {
    const alarm = this.alarms.get(name) as StoredAlarm;
    try {
      return this.evaluate(name);
    } catch (err) {
      alarm.reason = `Evaluation error: ${(err as Error).message}`;
      return alarm;
    }
  }

  /** The latest evaluation instant at or before now (epoch ms), in scaled time. */
  private lastInstant(input: PutMetricAlarmCommandInput): number {
    const intervalMs = (evaluationIntervalSeconds(periodOf(input), input.EvaluationPeriods ?? 1) * 1000) / this.speed;
    return Math.floor(Date.now() / intervalMs) * intervalMs;
  }

  /** Sets the alarm's reason, and its state and state time on a change, telling the change to the listeners. */
  private transition(name: string, alarm: StoredAlarm, state: AlarmState, reason: string): void {
    if (state !== alarm.state) {
      const previous = { value: alarm.state, reason: alarm.reason, timestamp: cloudWatchTime(alarm.updatedAt) };
      alarm.state = state;
      alarm.updatedAt = new Date();
      alarm.reason = reason;
      this.emit(name, alarm, previous);
    }
    alarm.reason = reason;
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
    const metric = { namespace: m.Metric.Namespace ?? '', name: m.Metric.MetricName ?? '', dimensions: dims(m.Metric.Dimensions) };
    const timestamps: Date[] = [];
    const values: number[] = [];
    for (let start = from; start < to; start += periodMs) {
      const v = this.store.statistic(metric, m.Stat ?? 'Sum', start, Math.min(to, start + periodMs));
      if (v === undefined) continue;
      timestamps.unshift(new Date(start));
      values.unshift(v);
    }
    return { Id: q.Id, Label: q.Label ?? m.Metric.MetricName, Timestamps: timestamps, Values: values, StatusCode: 'Complete' };
  }

  /** The alarm's returned value over [from, to), or undefined when there is no data. */
  private valueIn(input: PutMetricAlarmCommandInput, from: number, to: number): number | undefined {
    if (input.MetricName) {
      const metric = { namespace: input.Namespace ?? '', name: input.MetricName, dimensions: dims(input.Dimensions) };
      return this.store.statistic(metric, input.ExtendedStatistic ?? input.Statistic ?? 'Sum', from, to);
    }
    const queries = input.Metrics ?? [];
    const scope: Record<string, number> = {};
    for (const q of queries) {
      if (!q.MetricStat?.Metric) continue;
      const { Metric, Stat } = q.MetricStat;
      const v = this.store.statistic(
        { namespace: Metric.Namespace ?? '', name: Metric.MetricName ?? '', dimensions: dims(Metric.Dimensions) },
        Stat ?? 'Sum',
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
}

/** The alarm's period in s: its own, or its metric-math queries'. */
const periodOf = (input: PutMetricAlarmCommandInput): number => input.Period ?? input.Metrics?.find((m) => m.MetricStat)?.MetricStat?.Period ?? 60;

/** A StateReason in CloudWatch's words, e.g. `Threshold Crossed: 1 out of the last 1 datapoints [34.2 (22/11/26 10:00:00)] was greater than the threshold (5.0) …`. */
function reasonFor(verdict: AlarmVerdict, points: readonly { v: number; at: number }[], input: PutMetricAlarmCommandInput, m: number): string {
  const n = input.EvaluationPeriods ?? 1;
  const op = OPERATORS[input.ComparisonOperator ?? ''];
  const threshold = (input.Threshold ?? 0).toFixed(1);
  const s = (k: number) => (k === 1 ? '' : 's');
  if (verdict.basis === 'no-data') {
    if (verdict.state === 'INSUFFICIENT_DATA') return `Insufficient Data: ${n} datapoint${s(n)} ${n === 1 ? 'was' : 'were'} unknown.`;
    const as = verdict.state === 'ALARM' ? 'Breaching' : 'NonBreaching';
    return `Threshold Crossed: no datapoints were received for ${n} period${s(n)} and ${n} missing datapoint${s(n)} ${n === 1 ? 'was' : 'were'} treated as [${as}].`;
  }
  const list = `[${points.map((p) => `${p.v.toFixed(1)} (${shortTime(p.at)})`).join(', ')}]`;
  if (verdict.basis === 'too-early') {
    return `Insufficient Data: ${verdict.breaching} datapoint${s(verdict.breaching)} ${list} ${op} the threshold (${threshold}), too recent to alarm on with fewer than ${m}.`;
  }
  const filled =
    verdict.basis === 'filled'
      ? ` and ${verdict.evaluated - points.length} missing datapoint${s(verdict.evaluated - points.length)} treated as [${input.TreatMissingData === 'breaching' ? 'Breaching' : 'NonBreaching'}]`
      : '';
  if (verdict.state === 'ALARM') {
    const which = verdict.basis === 'premature' ? `the oldest of ${verdict.evaluated}` : `${verdict.breaching} out of the last ${verdict.evaluated}`;
    return `Threshold Crossed: ${which} datapoint${s(verdict.evaluated)} ${list}${filled} ${verdict.breaching === 1 ? 'was' : 'were'} ${op} the threshold (${threshold}) (minimum ${m} datapoint${s(m)} for OK -> ALARM transition).`;
  }
  const within = verdict.evaluated - verdict.breaching;
  return `Threshold Crossed: ${within} out of the last ${verdict.evaluated} datapoint${s(verdict.evaluated)} ${list}${filled} ${within === 1 ? 'was' : 'were'} not ${op} the threshold (${threshold}) (minimum ${n - m + 1} datapoint${s(n - m + 1)} for ALARM -> OK transition).`;
}

/** `22/11/26 10:00:00`: how CloudWatch writes datapoint times in a StateReason. */
function shortTime(at: number): string {
  const d = new Date(at).toISOString();
  return `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(2, 4)} ${d.slice(11, 19)}`;
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
