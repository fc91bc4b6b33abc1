import type { Dimension, GetMetricDataCommandInput, Metric, PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';

/**
 * The PutMetricAlarm rules the local CloudWatch enforces, so that an alarm CloudWatch would refuse
 * at deploy time is refused locally too: the API reference's constraints on PutMetricAlarm,
 * Dimension and MetricStat, and its rules on Period and the evaluation range. Each refusal is a
 * `ValidationError` naming the field (`Dimensions.1.Name`: 1-based, as the API's own messages count
 * members) and the value.
 */

/** The comparison operators the local CloudWatch evaluates, in the words of CloudWatch's StateReason. */
export const OPERATORS: Readonly<Record<string, string>> = {
  GreaterThanThreshold: 'greater than',
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

const TREATMENTS = ['missing', 'ignore', 'breaching', 'notBreaching'];
/** "You can assign up to 30 dimensions to a metric" (Dimension). */
const MAX_DIMENSIONS = 30;
const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;

const refuse = (message: string): never => {
  throw Object.assign(new Error(message), { name: 'ValidationError' });
};

/**
 * Refuses an alarm CloudWatch's PutMetricAlarm refuses:
 * - AlarmName 1–255 characters, AlarmDescription at most 1024, Threshold a finite number;
 * - a period (the alarm's, and each metric-math MetricStat's) of 10, 20, 30 or a multiple of 60 s;
 * - EvaluationPeriods at least 1, DatapointsToAlarm within 1..EvaluationPeriods, and
 *   Period × EvaluationPeriods at most a day for periods under an hour, 7 days otherwise;
 * - Statistic or ExtendedStatistic, not both;
 * - each metric's Namespace 1–255 characters not starting with a colon, MetricName 1–255, at most
 *   30 Dimensions, each Name 1–255 and Value 1–1024 printable ASCII characters holding a
 *   non-whitespace one, a Name not starting with a colon;
 * - a TreatMissingData CloudWatch knows, a ComparisonOperator the local CloudWatch evaluates
 *   (anomaly-detection operators are not supported here).
 * @throws Error named ValidationError, naming the field and the value
 */
export function checkPutMetricAlarm(input: PutMetricAlarmCommandInput): void {
  const name = input.AlarmName ?? '';
  if (name.length < 1 || name.length > 255) refuse(`AlarmName must be 1–255 characters, got ${name.length}`);
  const description = input.AlarmDescription ?? '';
  if (description.length > 1024) refuse(`AlarmDescription must be at most 1024 characters, got ${description.length}`);
  if (input.Threshold !== undefined && !Number.isFinite(input.Threshold)) refuse(`Threshold must be a finite number, got ${input.Threshold}`);
  if (input.Statistic !== undefined && input.ExtendedStatistic !== undefined) refuse('specify Statistic or ExtendedStatistic, not both');

  if (input.MetricName !== undefined || input.Namespace !== undefined) {
    checkMetric(input, '');
    checkPeriod(input.Period ?? 0, 'Period');
  }
  (input.Metrics ?? []).forEach((q, i) => {
    if (!q.MetricStat) return;
    const at = `Metrics.${i + 1}.MetricStat`;
    checkMetric(q.MetricStat.Metric ?? {}, `${at}.Metric.`);
    checkPeriod(q.MetricStat.Period ?? 0, `${at}.Period`);
  });

  const period = input.Period ?? input.Metrics?.find((m) => m.MetricStat)?.MetricStat?.Period ?? 60;
  const n = input.EvaluationPeriods ?? 0;
  if (!Number.isInteger(n) || n < 1) refuse(`EvaluationPeriods must be at least 1, got ${input.EvaluationPeriods}`);
  const m = input.DatapointsToAlarm ?? n;
  if (!Number.isInteger(m) || m < 1 || m > n) refuse(`DatapointsToAlarm must be within 1..EvaluationPeriods (${n}), got ${m}`);
  const limit = period < 3_600 ? 86_400 : 604_800;
  if (period * n > limit) refuse(`Period × EvaluationPeriods must be at most ${limit} seconds for a ${period} s period, got ${period * n}`);
  if (input.TreatMissingData !== undefined && !TREATMENTS.includes(input.TreatMissingData))
    refuse(`TreatMissingData must be one of ${TREATMENTS.join(', ')}, got ${input.TreatMissingData}`);
  if (!OPERATORS[input.ComparisonOperator ?? '']) refuse(`LocalCloudWatch does not support the ComparisonOperator ${input.ComparisonOperator}`);
}

/** "Valid values are 10, 20, 30, and any multiple of 60." */
function checkPeriod(period: number, field: string): void {
  if (![10, 20, 30].includes(period) && (period <= 0 || period % 60 !== 0)) refuse(`${field} must be 10, 20, 30 or a multiple of 60 seconds, got ${period}`);
}

/** Namespace, MetricName and Dimensions of a metric; `prefix` is where the metric sits in the input. */
function checkMetric(metric: Pick<Metric, 'Namespace' | 'MetricName' | 'Dimensions'>, prefix: string): void {
  const namespace = metric.Namespace ?? '';
  if (namespace.length < 1 || namespace.length > 255) refuse(`${prefix}Namespace must be 1–255 characters, got ${namespace.length}`);
  if (namespace.startsWith(':')) refuse(`${prefix}Namespace must not start with a colon, got ${namespace}`);
  const metricName = metric.MetricName ?? '';
  if (metricName.length < 1 || metricName.length > 255) refuse(`${prefix}MetricName must be 1–255 characters, got ${metricName.length}`);
  const dimensions: Dimension[] = metric.Dimensions ?? [];
  if (dimensions.length > MAX_DIMENSIONS) refuse(`${prefix}Dimensions must hold at most ${MAX_DIMENSIONS} dimensions, got ${dimensions.length}`);
  dimensions.forEach((d, i) => {
    const at = `${prefix}Dimensions.${i + 1}`;
    if ((d.Name ?? '').startsWith(':')) refuse(`${at}.Name must not start with a colon, got ${d.Name}`);
    checkDimensionText(d.Name ?? '', 255, `${at}.Name`);
    checkDimensionText(d.Value ?? '', 1024, `${at}.Value`);
  });
}

/** 1–`max` characters, printable ASCII (no control characters), at least one not whitespace (Dimension). */
function checkDimensionText(text: string, max: number, field: string): void {
  if (text.length < 1 || text.length > max) refuse(`${field} must be 1–${max} characters, got ${text.length}`);
  if (!PRINTABLE_ASCII.test(text)) refuse(`${field} must be printable ASCII (no control characters), got ${JSON.stringify(text)}`);
  if (text.trim() === '') refuse(`${field} must hold a non-whitespace character`);
}

/** A MetricDataQuery Id (MetricDataQuery: 1–255 characters, pattern `[a-z][a-zA-Z0-9_]*`). */
const QUERY_ID = /^[a-z][a-zA-Z0-9_]{0,254}$/;

/**
 * Refuses a request CloudWatch's GetMetricData refuses: 1–500 MetricDataQueries, each Id matching
 * `[a-z][a-zA-Z0-9_]*` (at most 255 characters) and unique in the request, each MetricStat's Period
 * 1, 5, 10, 20, 30 (high resolution) or a multiple of 60 s, and an EndTime after the StartTime.
 * @throws Error named ValidationError, naming the field and the value
 */
export function checkGetMetricData(input: GetMetricDataCommandInput): void {
  const queries = input.MetricDataQueries ?? [];
  if (queries.length < 1 || queries.length > 500) refuse(`MetricDataQueries must hold 1–500 queries, got ${queries.length}`);
  const ids = new Set<string>();
  queries.forEach((q, i) => {
    const at = `MetricDataQueries.${i + 1}`;
    const id = q.Id ?? '';
    if (!QUERY_ID.test(id)) refuse(`${at}.Id must match [a-z][a-zA-Z0-9_]* (1–255 characters), got ${id}`);
    if (ids.has(id)) refuse(`${at}.Id ${id} is not unique in the request`);
    ids.add(id);
    const period = q.MetricStat?.Period;
    if (period !== undefined && ![1, 5, 10, 20, 30].includes(period) && (period <= 0 || period % 60 !== 0)) {
      refuse(`${at}.MetricStat.Period must be 1, 5, 10, 20, 30 or a multiple of 60 seconds, got ${period}`);
    }
  });
  const start = new Date(input.StartTime ?? 0).getTime();
  const end = new Date(input.EndTime ?? 0).getTime();
  if (!(end > start)) refuse(`EndTime must be after StartTime, got ${new Date(start).toISOString()} → ${new Date(end).toISOString()}`);
}
