import hypergeometricCdf from '@stdlib/stats-base-dists-hypergeometric-cdf';
import type { StepObservation } from './observations';
import type { HealthSettings } from './ramp';

/**
 * Health-driven canary analysis: compares the new version with the old one over the same window
 * (a step's bake, both versions behind the same alias) and against absolute limits. Pure: the
 * observation comes from CloudWatch (the MetricsReader port), the verdict decides the step
 * (canary.ts `checkStep`). Rates in %, latencies in ms.
 */

/** The comparisons of one check, in the order they are made (and shown). */
export const COMPARISONS = ['sample', 'error-rate', 'p99', 'errors-vs-old', 'p99-vs-old'] as const;
export type ComparisonName = (typeof COMPARISONS)[number];

/**
 * One comparison: `pass`, `fail`, or `skipped` (not enough data on a side; says why). `text` is the
 * comparison in words, e.g. `p99 612 ms > 400 ms` or `p99 ratio 2.4 × old (612 ms vs 255 ms) > 1.5 ×`.
 */
export interface HealthComparison {
  readonly name: ComparisonName;
  readonly result: 'pass' | 'fail' | 'skipped';
  /** The observed figure (%, ms, a ratio, a p-value or a request count); null when skipped for lack of data. */
  readonly value: number | null;
  /** The limit it was compared with. */
  readonly limit: number;
  readonly text: string;
}

/**
 * A step's health: `healthy` (every comparison passed or was skipped), `unhealthy` (one failed),
 * or `insufficient` (the new version served fewer than `minRequests`: nothing else was judged).
 */
export interface HealthCheck {
  readonly verdict: 'healthy' | 'unhealthy' | 'insufficient';
  readonly comparisons: readonly HealthComparison[];
}

/** `612 ms`; under 10 ms with a decimal (`0.4 ms`), as a local function's durations are. */
const ms = (v: number) => `${v < 10 ? Number(v.toFixed(1)) : Math.round(v)} ms`;
const pct = (v: number) => `${Number(v.toFixed(2))} %`;

/**
 * Fisher's exact test, one-sided: the probability of at least `newErrors` errors among the new
 * version's `newRequests`, had both versions the same error rate (the hypergeometric tail, given
 * the errors and requests of both). 1 when the new version has no errors.
 */
export function fisherOneSidedP(oldErrors: number, oldRequests: number, newErrors: number, newRequests: number): number {
  if (newErrors === 0) return 1;
  const p = 1 - hypergeometricCdf(newErrors - 1, oldRequests + newRequests, oldErrors + newErrors, newRequests);
  // 1 − CDF can round a hair below 0.
  return Math.min(1, Math.max(0, p));
}

/**
 * Judges one step's observation: the sample, then the new version against the absolute limits, then
 * against the old version (Fisher's exact test on errors; the p99 ratio). Comparisons with the old
 * version are skipped at 100 % (`weight`, in %: the old version takes no traffic; what it served in
 * the window was before the shift or in flight) and when it served fewer than `minRequests`.
 */
export function judgeHealth(o: StepObservation, s: HealthSettings, weight?: number): HealthCheck {
  const next = o.new;
  if (next.requests < s.minRequests) {
    const text = `sample ${next.requests} requests on the new version < ${s.minRequests}`;
    return { verdict: 'insufficient', comparisons: [{ name: 'sample', result: 'fail', value: next.requests, limit: s.minRequests, text }] };
  }
  const comparisons: HealthComparison[] = [
    { name: 'sample', result: 'pass', value: next.requests, limit: s.minRequests, text: `sample ${next.requests} requests ≥ ${s.minRequests}` },
  ];
  const rate = next.errorRatePercent ?? 0;
  comparisons.push({
    name: 'error-rate',
    result: rate > s.maxErrorRatePercent ? 'fail' : 'pass',
    value: rate,
    limit: s.maxErrorRatePercent,
    text: `error rate ${pct(rate)} ${rate > s.maxErrorRatePercent ? '>' : '≤'} ${pct(s.maxErrorRatePercent)}`,
  });
  comparisons.push(
    next.p99Ms === null
      ? { name: 'p99', result: 'skipped', value: null, limit: s.maxP99Ms, text: 'p99 not reported for the new version' }
      : {
          name: 'p99',
          result: next.p99Ms > s.maxP99Ms ? 'fail' : 'pass',
          value: next.p99Ms,
          limit: s.maxP99Ms,
          text: `p99 ${ms(next.p99Ms)} ${next.p99Ms > s.maxP99Ms ? '>' : '≤'} ${ms(s.maxP99Ms)}`,
        },
  );
  comparisons.push(...(weight !== undefined && weight >= 100 ? skippedAtFull(s) : comparedWithOld(o, s)));
  return { verdict: comparisons.some((c) => c.result === 'fail') ? 'unhealthy' : 'healthy', comparisons };
}

/** The comparisons with the old version at 100 %: the old version takes no traffic, so there is nothing to compare. */
function skippedAtFull(s: HealthSettings): HealthComparison[] {
  const why = 'the old version takes no traffic at 100 %';
  return [
    { name: 'errors-vs-old', result: 'skipped', value: null, limit: s.significance, text: `errors vs old: skipped, ${why}` },
    { name: 'p99-vs-old', result: 'skipped', value: null, limit: s.maxP99Ratio, text: `p99 vs old: skipped, ${why}` },
  ];
}

/** The two comparisons with the old version, or both skipped when its sample is too small. */
function comparedWithOld(o: StepObservation, s: HealthSettings): HealthComparison[] {
  const { old, new: next } = o;
  if (old.requests < s.minRequests) {
    const why = `old version served ${old.requests} requests < ${s.minRequests}`;
    return [
      { name: 'errors-vs-old', result: 'skipped', value: null, limit: s.significance, text: `errors vs old: skipped, ${why}` },
      { name: 'p99-vs-old', result: 'skipped', value: null, limit: s.maxP99Ratio, text: `p99 vs old: skipped, ${why}` },
    ];
  }
  const p = fisherOneSidedP(old.errors, old.requests, next.errors, next.requests);
  const counts = `${next.errors}/${next.requests} vs old ${old.errors}/${old.requests}`;
  const errors: HealthComparison = {
    name: 'errors-vs-old',
    result: p < s.significance ? 'fail' : 'pass',
    value: p,
    limit: s.significance,
    text: `errors ${counts}: p = ${formatP(p)} ${p < s.significance ? '<' : '≥'} ${s.significance} (Fisher's exact, one-sided)`,
  };
  if (next.p99Ms === null || old.p99Ms === null || old.p99Ms <= 0) {
    return [errors, { name: 'p99-vs-old', result: 'skipped', value: null, limit: s.maxP99Ratio, text: 'p99 vs old: skipped, a p99 was not reported' }];
  }
  const ratio = next.p99Ms / old.p99Ms;
  const slower = ratio > s.maxP99Ratio && next.p99Ms - old.p99Ms > s.p99ToleranceMs;
  const versus = `(${ms(next.p99Ms)} vs ${ms(old.p99Ms)})`;
  const text = slower
    ? `p99 ratio ${ratio.toFixed(1)} × old ${versus} > ${s.maxP99Ratio} ×`
    : ratio > s.maxP99Ratio
      ? `p99 ratio ${ratio.toFixed(1)} × old ${versus}: within ${s.p99ToleranceMs} ms of it`
      : `p99 ratio ${ratio.toFixed(1)} × old ${versus} ≤ ${s.maxP99Ratio} ×`;
  return [errors, { name: 'p99-vs-old', result: slower ? 'fail' : 'pass', value: Number(ratio.toFixed(3)), limit: s.maxP99Ratio, text }];
}

/** `0.003`, `8.5e-12`: two significant digits. */
const formatP = (p: number): string => String(Number(p.toPrecision(2)));

/** Why an unhealthy check fails: its failed comparisons' texts, e.g. `p99 612 ms > 400 ms; p99 ratio 2.4 × old (612 ms vs 255 ms) > 1.5 ×`. */
export function failedComparisons(check: HealthCheck): string {
  return check.comparisons
    .filter((c) => c.result === 'fail')
    .map((c) => c.text)
    .join('; ');
}
