import * as z from 'zod';

/**
 * The health-driven ramp's settings (a target's, a policy rule's or a change request's `canary`):
 * where the weights go, and what "healthy" means at each of them. No statistics here (canary-health.ts
 * judges), so that the request and target schemas stay light. Weights in %, latencies in ms.
 */

/** At most this many weights a ramp expands to (each one a step in the record and the ledger). */
export const MAX_RAMP_STEPS = 20;

/**
 * A ramp: `start` %, then + `increment` % after each healthy step up to `max` % (default 100), then
 * 100 %. E.g. `{start: 5, increment: 20}`: 5 → 25 → 45 → 65 → 85 → 100.
 */
export const Ramp = z
  .strictObject({
    start: z.number().int().min(1).max(100),
    increment: z.number().int().min(1).max(99),
    max: z.number().int().min(1).max(100).default(100),
  })
  .superRefine((r, ctx) => {
    if (r.start > r.max) ctx.addIssue({ code: 'custom', path: ['start'], message: `must be at most max (${r.max}), got ${r.start}` });
    else if (rampLength(r.start, r.increment, r.max) > MAX_RAMP_STEPS) {
      ctx.addIssue({
        code: 'custom',
        path: ['increment'],
        message: `makes ${rampLength(r.start, r.increment, r.max)} steps from ${r.start} to 100 %; at most ${MAX_RAMP_STEPS}: use a larger increment`,
      });
    }
  });
export type Ramp = z.infer<typeof Ramp>;

/** How many weights a ramp goes through (its steps), 100 included. */
const rampLength = (start: number, increment: number, max: number) => Math.ceil((max - start) / increment) + 1 + (max < 100 ? 1 : 0);

/** The weights a ramp goes through, ending at 100: start, start + increment, … below max, max, 100. */
export function rampWeights(r: { readonly start: number; readonly increment: number; readonly max?: number }): number[] {
  const max = r.max ?? 100;
  const weights: number[] = [];
  for (let w = r.start; w < max; w += r.increment) weights.push(w);
  weights.push(max);
  if (max < 100) weights.push(100);
  return weights;
}

/**
 * What "healthy" means for a health-driven canary (a target's `canary.health`; defaults from the
 * CMV seed). Absolute limits apply to the new version; the comparisons with the old version need
 * `minRequests` on both sides.
 */
export const HealthSettings = z.strictObject({
  /** The new version fails above this error rate (%). */
  maxErrorRatePercent: z.number().min(0).max(100).default(1),
  /** The new version fails when its p99 of Duration is above this many ms. */
  maxP99Ms: z.number().positive().max(900_000).default(400),
  /** The new version fails when its p99 is more than this many times the old version's … */
  maxP99Ratio: z.number().min(1).max(100).default(1.5),
  /** … and more than this many ms above it: smaller differences are noise (GC, JIT), whatever the ratio. */
  p99ToleranceMs: z.number().min(0).max(60_000).default(25),
  /** One-sided significance of Fisher's exact test on errors/requests, new vs old: the new version fails when p < this. */
  significance: z.number().gt(0).max(0.2).default(0.01),
  /** Requests the new version must have served in the window before its health is judged; the old version too, for the comparisons with it. */
  minRequests: z.number().int().min(1).max(1_000_000).default(50),
  /** Bakes a step may last while the new version's sample is below `minRequests`; after them the change is rolled back. */
  maxBakes: z.number().int().min(1).max(10).default(3),
});
export type HealthSettings = z.infer<typeof HealthSettings>;

/** The seed's limits: error rate > 1 %, p99 > 400 ms, p99 > 1.5 × the old one, Fisher's p < 0.01, at least 50 requests, at most 3 bakes. */
export const DEFAULT_HEALTH: HealthSettings = HealthSettings.parse({});
