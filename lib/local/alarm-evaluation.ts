/**
 * How CloudWatch decides a metric alarm's state from the datapoints of its evaluation range — the
 * rules of the CloudWatch User Guide, "Configuring how CloudWatch alarms treat missing data" (How
 * alarm state is evaluated when data is missing; Avoiding premature transitions to alarm state)
 * and "Alarm evaluation" (when an alarm is evaluated). Pure: no clock, no metrics.
 */

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export type TreatMissingData = 'missing' | 'ignore' | 'breaching' | 'notBreaching';

/** The alarm settings the evaluation reads (PutMetricAlarm's EvaluationPeriods, DatapointsToAlarm, TreatMissingData). */
export interface EvaluationRule {
  /** N: how many datapoints are evaluated. */
  readonly evaluationPeriods: number;
  /** M: how many of them must breach for ALARM (1 ≤ M ≤ N). */
  readonly datapointsToAlarm: number;
  readonly treatMissingData: TreatMissingData;
}

/** One period of the evaluation range: true breaching, false not breaching, undefined missing (no data). */
export type RangeDatapoint = boolean | undefined;

/**
 * The state and why. `retained` when the rule keeps the current state (`ignore` with too little
 * data); `evaluated`/`breaching` count the datapoints that decided (real and filled-in ones).
 */
export interface AlarmVerdict {
  readonly state: AlarmState;
  readonly basis: 'datapoints' | 'filled' | 'premature' | 'too-early' | 'no-data' | 'retained';
  readonly evaluated: number;
  readonly breaching: number;
}

/**
 * How many periods CloudWatch retrieves to evaluate an alarm of N evaluation periods (its
 * "evaluation range"). AWS does not publish the rule; the User Guide's examples retrieve 5 for 3,
 * so this is N + 2.
 */
export const evaluationRangeLength = (evaluationPeriods: number): number => evaluationPeriods + 2;

/**
 * How often CloudWatch evaluates an alarm, in seconds: every 10 s for a 10, 20 or 30 s period,
 * every hour when Period × EvaluationPeriods exceeds a day, every minute otherwise ("Alarm
 * evaluation"). Each evaluation's range ends at that instant: the sliding window.
 */
export function evaluationIntervalSeconds(periodSeconds: number, evaluationPeriods: number): number {
  if (periodSeconds * evaluationPeriods > 86_400) return 3_600;
  return periodSeconds < 60 ? 10 : 60;
}

/**
 * The alarm's state from its evaluation range (oldest first; at least N periods long):
 * - no datapoint at all: `missing` → INSUFFICIENT_DATA, `ignore` → the current state,
 *   `breaching` → ALARM, `notBreaching` → OK;
 * - at least N real datapoints: the N most recent real ones decide (missing periods in between are
 *   skipped, so the treatment of missing data does not matter): ALARM when M of them breach;
 * - fewer than N: all real datapoints count, and the missing ones are filled in as few times as
 *   possible (N − real): `breaching` counts them as breaching, `notBreaching` as not. For
 *   `missing` and `ignore` the real datapoints decide when M of them breach (ALARM) or when one
 *   does not (OK); when all real ones breach but are fewer than M, the alarm goes to ALARM only if
 *   the oldest is at least M periods old (the premature-alarm rule; `ignore` keeps its state
 *   instead), and otherwise waits: INSUFFICIENT_DATA for `missing`, the current state for `ignore`.
 * @throws RangeError when the range is shorter than N or M is not within 1..N
 */
export function alarmState(range: readonly RangeDatapoint[], rule: EvaluationRule, current: AlarmState): AlarmVerdict {
  const { evaluationPeriods: n, datapointsToAlarm: m, treatMissingData: treat } = rule;
  if (m < 1 || m > n) throw new RangeError(`DatapointsToAlarm must be within 1..EvaluationPeriods (${n}), got ${m}`);
  if (range.length < n) throw new RangeError(`the evaluation range has ${range.length} periods, fewer than EvaluationPeriods (${n})`);
  const real = range.filter((p): p is boolean => p !== undefined);
  if (real.length === 0) {
    const state = { missing: 'INSUFFICIENT_DATA', ignore: current, breaching: 'ALARM', notBreaching: 'OK' }[treat] as AlarmState;
    return {
      state,
      basis: treat === 'ignore' ? 'retained' : 'no-data',
      evaluated: treat === 'missing' || treat === 'ignore' ? 0 : n,
      breaching: treat === 'breaching' ? n : 0,
    };
  }
  if (real.length >= n) {
    const breaching = count(real.slice(-n));
    return { state: breaching >= m ? 'ALARM' : 'OK', basis: 'datapoints', evaluated: n, breaching };
  }
  const breachingReal = count(real);
  const filled = n - real.length;
  if (treat === 'breaching' || treat === 'notBreaching') {
    const breaching = breachingReal + (treat === 'breaching' ? filled : 0);
    return { state: breaching >= m ? 'ALARM' : 'OK', basis: 'filled', evaluated: n, breaching };
  }
  const decided = (state: AlarmState): AlarmVerdict => ({ state, basis: 'datapoints', evaluated: real.length, breaching: breachingReal });
  if (breachingReal >= m) return decided('ALARM');
  if (breachingReal < real.length) return decided('OK');
  const oldestAge = range.length - range.findIndex((p) => p !== undefined);
  if (treat === 'ignore') return { state: current, basis: 'retained', evaluated: real.length, breaching: breachingReal };
  if (oldestAge >= m) return { state: 'ALARM', basis: 'premature', evaluated: real.length, breaching: breachingReal };
  return { state: 'INSUFFICIENT_DATA', basis: 'too-early', evaluated: real.length, breaching: breachingReal };
}

const count = (points: readonly boolean[]) => points.filter(Boolean).length;
