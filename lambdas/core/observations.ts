/**
 * What CMV observes of a deployment: the alarms' states and each version's requests, errors and
 * latency. Shared by the canary decision, the change record, the reports and the ports that read them.
 */

/** Alarm state as CloudWatch reports it. */
export interface AlarmStatus {
  readonly name: string;
  readonly state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  readonly reason: string;
  /** ISO-8601 time of the last state change. */
  readonly updatedAt: string;
}

/** Requests, errors, throttles and latency of one function version over a time window. */
export interface VersionStats {
  readonly requests: number;
  readonly errors: number;
  readonly throttles: number;
  /** 100 × errors / requests, in %; null without requests. */
  readonly errorRatePercent: number | null;
  /** p99 of Duration in ms; null without requests. */
  readonly p99Ms: number | null;
}

/** What one canary step saw over its bake: the split by executed version and each side's health. */
export interface StepObservation {
  /** % of requests the new version served (by ExecutedVersion); null without requests. */
  readonly newSharePercent: number | null;
  readonly old: VersionStats;
  readonly new: VersionStats;
  /** The window the stats cover (ISO-8601). */
  readonly from: string;
  readonly to: string;
}
