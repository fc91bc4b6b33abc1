import { fisherOneSidedP, judgeHealth } from '../../../lambdas/core/canary-health';
import type { StepObservation } from '../../../lambdas/core/change';
import type { VersionStats } from '../../../lambdas/core/observations';
import { DEFAULT_HEALTH, HealthSettings, MAX_RAMP_STEPS, Ramp, rampWeights } from '../../../lambdas/core/ramp';

const stats = (requests: number, errors: number, p99Ms: number | null): VersionStats => ({
  requests,
  errors,
  throttles: 0,
  errorRatePercent: requests > 0 ? (100 * errors) / requests : null,
  p99Ms: requests > 0 ? p99Ms : null,
});
const observed = (old: VersionStats, next: VersionStats): StepObservation => ({
  newSharePercent: null,
  old,
  new: next,
  from: '2026-03-01T09:00:00.000Z',
  to: '2026-03-01T09:05:00.000Z',
});
const byName = (check: ReturnType<typeof judgeHealth>) => Object.fromEntries(check.comparisons.map((c) => [c.name, c]));

describe('rampWeights()', () => {
  it('goes from start by increment up to 100', () => {
    expect(rampWeights({ start: 5, increment: 20 })).toEqual([5, 25, 45, 65, 85, 100]);
    expect(rampWeights({ start: 10, increment: 30, max: 100 })).toEqual([10, 40, 70, 100]);
  });

  it('stops at max, then goes to 100', () => {
    expect(rampWeights({ start: 5, increment: 20, max: 50 })).toEqual([5, 25, 45, 50, 100]);
    expect(rampWeights({ start: 10, increment: 10, max: 30 })).toEqual([10, 20, 30, 100]);
  });

  it('is 100 alone when it starts at 100', () => {
    expect(rampWeights({ start: 100, increment: 10 })).toEqual([100]);
  });
});

describe('Ramp', () => {
  it('defaults max to 100', () => {
    expect(Ramp.parse({ start: 5, increment: 20 })).toEqual({ start: 5, increment: 20, max: 100 });
  });

  it.each([
    [{ start: 60, increment: 10, max: 50 }, 'start', 'must be at most max (50), got 60'],
    [{ start: 1, increment: 1 }, 'increment', `makes 100 steps from 1 to 100 %; at most ${MAX_RAMP_STEPS}: use a larger increment`],
    [{ start: 0, increment: 10 }, 'start', undefined],
    [{ start: 5, increment: 100 }, 'increment', undefined],
    [{ start: 5, increment: 10, extra: 1 }, '', undefined],
  ])('refuses %j naming the field', (ramp, path, message) => {
    const result = Ramp.safeParse(ramp);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path.join('.')).toBe(path);
    if (message) expect(result.error?.issues[0].message).toBe(message);
  });
});

describe('HealthSettings', () => {
  it('defaults to the seed: error rate 1 %, p99 400 ms, 1.5 × the old p99, p < 0.01, 50 requests, 3 bakes', () => {
    expect(DEFAULT_HEALTH).toEqual({
      maxErrorRatePercent: 1,
      maxP99Ms: 400,
      maxP99Ratio: 1.5,
      p99ToleranceMs: 25,
      significance: 0.01,
      minRequests: 50,
      maxBakes: 3,
    });
  });

  it('refuses a significance of 0 and a ratio below 1', () => {
    expect(HealthSettings.safeParse({ significance: 0 }).success).toBe(false);
    expect(HealthSettings.safeParse({ maxP99Ratio: 0.9 }).success).toBe(false);
  });
});

describe('fisherOneSidedP()', () => {
  it('is 1 when the new version has no errors', () => {
    expect(fisherOneSidedP(5, 100, 0, 100)).toBe(1);
  });

  it('is the hypergeometric tail: 1 error in 1 draw out of 10 with 1 error is 0.1', () => {
    expect(fisherOneSidedP(0, 9, 1, 1)).toBeCloseTo(0.1, 10);
  });

  it('is the exact tail of the 2×2 table: new 8/100 vs old 2/100', () => {
    // Σ_{k=8..10} C(10,k)·C(190,100−k) / C(200,100), in exact integers: 0.0502725201753…
    expect(fisherOneSidedP(2, 100, 8, 100)).toBeCloseTo(0.05027252, 7);
  });

  it('is small for a clear regression and large for equal rates', () => {
    expect(fisherOneSidedP(1, 1000, 20, 100)).toBeLessThan(1e-10);
    expect(fisherOneSidedP(10, 1000, 1, 100)).toBeGreaterThan(0.5);
  });
});

describe('judgeHealth()', () => {
  const healthyOld = stats(900, 1, 120);

  it('is insufficient, judging nothing else, while the new version served fewer than minRequests', () => {
    const check = judgeHealth(observed(healthyOld, stats(49, 49, 5000)), DEFAULT_HEALTH);

    expect(check).toEqual({
      verdict: 'insufficient',
      comparisons: [{ name: 'sample', result: 'fail', value: 49, limit: 50, text: 'sample 49 requests on the new version < 50' }],
    });
  });

  it('skips the comparisons with the old version at 100 %, even when the window holds old requests from before the shift', () => {
    const check = judgeHealth(observed(stats(900, 90, 2000), stats(100, 0, 130)), DEFAULT_HEALTH, 100);

    expect(check.verdict).toBe('healthy');
    expect(check.comparisons.filter((c) => c.name.endsWith('-vs-old')).map((c) => [c.result, c.text])).toEqual([
      ['skipped', 'errors vs old: skipped, the old version takes no traffic at 100 %'],
      ['skipped', 'p99 vs old: skipped, the old version takes no traffic at 100 %'],
    ]);
  });

  it('is healthy when every comparison passes, and says each one', () => {
    const check = judgeHealth(observed(healthyOld, stats(100, 0, 130)), DEFAULT_HEALTH);

    expect(check.verdict).toBe('healthy');
    expect(check.comparisons.map((c) => [c.name, c.result, c.text])).toEqual([
      ['sample', 'pass', 'sample 100 requests ≥ 50'],
      ['error-rate', 'pass', 'error rate 0 % ≤ 1 %'],
      ['p99', 'pass', 'p99 130 ms ≤ 400 ms'],
      ['errors-vs-old', 'pass', "errors 0/100 vs old 1/900: p = 1 ≥ 0.01 (Fisher's exact, one-sided)"],
      ['p99-vs-old', 'pass', 'p99 ratio 1.1 × old (130 ms vs 120 ms) ≤ 1.5 ×'],
    ]);
  });

  it('fails the absolute error rate above the limit', () => {
    const check = judgeHealth(observed(stats(10, 0, 100), stats(100, 2, 100)), DEFAULT_HEALTH);

    expect(check.verdict).toBe('unhealthy');
    expect(byName(check)['error-rate']).toMatchObject({ result: 'fail', value: 2, text: 'error rate 2 % > 1 %' });
  });

  it('fails the absolute p99 above the limit', () => {
    const check = judgeHealth(observed(stats(10, 0, 500), stats(100, 0, 612)), DEFAULT_HEALTH);

    expect(check.verdict).toBe('unhealthy');
    expect(byName(check).p99).toMatchObject({ result: 'fail', value: 612, text: 'p99 612 ms > 400 ms' });
  });

  it('fails the error comparison when the new version errs significantly more than the old one (Fisher, one-sided)', () => {
    const lenient = { ...DEFAULT_HEALTH, maxErrorRatePercent: 50 };
    const check = judgeHealth(observed(stats(1000, 1, 100), stats(100, 5, 100)), lenient);

    expect(check.verdict).toBe('unhealthy');
    expect(byName(check)['errors-vs-old']).toMatchObject({ result: 'fail', limit: 0.01 });
    expect(byName(check)['errors-vs-old'].text).toMatch(/^errors 5\/100 vs old 1\/1000: p = 0\.000\d+ < 0\.01 \(Fisher's exact, one-sided\)$/);
  });

  it('passes the error comparison when the difference could be chance', () => {
    const lenient = { ...DEFAULT_HEALTH, maxErrorRatePercent: 50 };
    const check = judgeHealth(observed(stats(1000, 10, 100), stats(100, 2, 100)), lenient);

    expect(byName(check)['errors-vs-old']).toMatchObject({ result: 'pass' });
    expect(check.verdict).toBe('healthy');
  });

  it('fails the p99 ratio above maxP99Ratio × the old p99', () => {
    const check = judgeHealth(observed(stats(500, 0, 100), stats(100, 0, 240)), DEFAULT_HEALTH);

    expect(check.verdict).toBe('unhealthy');
    expect(byName(check)['p99-vs-old']).toEqual({
      name: 'p99-vs-old',
      result: 'fail',
      value: 2.4,
      limit: 1.5,
      text: 'p99 ratio 2.4 × old (240 ms vs 100 ms) > 1.5 ×',
    });
  });

  it('passes a high ratio within p99ToleranceMs of the old p99 (noise at a few ms)', () => {
    const check = judgeHealth(observed(stats(500, 0, 2), stats(100, 0, 9)), DEFAULT_HEALTH);

    expect(check.verdict).toBe('healthy');
    expect(byName(check)['p99-vs-old']).toMatchObject({ result: 'pass', text: 'p99 ratio 4.5 × old (9 ms vs 2 ms): within 25 ms of it' });
  });

  it('skips both comparisons with the old version when it served fewer than minRequests (at 100 % it serves none)', () => {
    const check = judgeHealth(observed(stats(0, 0, null), stats(200, 0, 100)), DEFAULT_HEALTH);

    expect(check.verdict).toBe('healthy');
    expect(byName(check)['errors-vs-old']).toMatchObject({
      result: 'skipped',
      value: null,
      text: 'errors vs old: skipped, old version served 0 requests < 50',
    });
    expect(byName(check)['p99-vs-old']).toMatchObject({ result: 'skipped', value: null });
  });

  it('skips what lacks a p99 (not reported), without failing', () => {
    const check = judgeHealth(observed(stats(500, 0, null), stats(100, 0, null)), DEFAULT_HEALTH);

    expect(check.verdict).toBe('healthy');
    expect(byName(check).p99).toMatchObject({ result: 'skipped', text: 'p99 not reported for the new version' });
    expect(byName(check)['p99-vs-old']).toMatchObject({ result: 'skipped', text: 'p99 vs old: skipped, a p99 was not reported' });
  });
});
