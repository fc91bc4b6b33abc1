import * as z from 'zod';
import { HealthSettings, Ramp } from './ramp';

/**
 * How a registered target is rolled out and watched: strategy, canary steps, CodeDeploy
 * configuration, alarms, smoke tests and version retention. Part of POST /targets (and an
 * example's target.json); times in s unless named otherwise, rates in %.
 */

/** Weights in % (strictly increasing, ending at 100). */
export const CanarySteps = z
  .array(z.number().int().min(1).max(100))
  .min(1)
  .max(10)
  .refine((s) => s.every((w, i) => i === 0 || w > s[i - 1]), 'must be strictly increasing')
  .refine((s) => s[s.length - 1] === 100, 'must end at 100');

/** Exactly one of `steps` and `ramp` (the refinement of every `canary` that may hold either). */
export function oneOfStepsOrRamp(c: { steps?: unknown; ramp?: unknown }, ctx: z.RefinementCtx): void {
  if (c.steps !== undefined && c.ramp !== undefined) ctx.addIssue({ code: 'custom', path: ['ramp'], message: 'give either steps or ramp, not both' });
  if (c.steps === undefined && c.ramp === undefined) ctx.addIssue({ code: 'custom', path: ['steps'], message: 'give steps (fixed weights) or ramp' });
}

/**
 * The alias-weights canary: each step shifts the alias to its weight and bakes `bakeSeconds`;
 * after 100 % it bakes `finalBakeSeconds` (default: `bakeSeconds`) before smoke tests and promotion.
 * The weights are fixed `steps`, or a health-driven `ramp` (ramp.ts): each step goes on only when
 * the new version is healthy by `health` (defaults: ramp.ts `DEFAULT_HEALTH`), compared with the
 * old one over the same window.
 */
export const CanarySettings = z
  .strictObject({
    steps: CanarySteps.optional(),
    ramp: Ramp.optional(),
    bakeSeconds: z.number().int().min(0).max(86_400),
    finalBakeSeconds: z.number().int().min(0).max(86_400).optional(),
    /** What "healthy" means for a ramp (the service's limits: a change request cannot loosen them). */
    health: HealthSettings.optional(),
  })
  .superRefine(oneOfStepsOrRamp);
export type CanarySettings = z.infer<typeof CanarySettings>;

/**
 * The blue-green strategy: the new version gets `provisionedConcurrency` execution environments
 * (none: no warm-up) and is smoke tested once Lambda reports them READY; then the alias switches to
 * it at once (0 → 100 %) and it bakes `bakeSeconds` with the alarms watched while the old version
 * keeps its environments warm (an alarm or an /abort switches back at once); after the bake the old
 * version's provisioned concurrency is released.
 */
export const BlueGreenSettings = z.strictObject({
  /** Execution environments Lambda keeps initialized for the new version (PutProvisionedConcurrencyConfig; at least 1). */
  provisionedConcurrency: z.number().int().min(1).max(100_000).optional(),
  bakeSeconds: z.number().int().min(0).max(86_400),
});
export type BlueGreenSettings = z.infer<typeof BlueGreenSettings>;

/** A custom CodeDeploy Lambda deployment config (TimeBasedCanary / TimeBasedLinear). */
export const CustomDeploymentConfig = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'must be a CodeDeploy deployment config name'),
  type: z.enum(['canary', 'linear']),
  /** % of traffic shifted first (canary) or every interval (linear). */
  percentage: z.number().int().min(1).max(99),
  /** Minutes between shifts. */
  intervalMinutes: z.number().int().min(1).max(2880),
});
export type CustomDeploymentConfig = z.infer<typeof CustomDeploymentConfig>;

/**
 * The codedeploy strategy: the deployment config (a predefined `CodeDeployDefault.Lambda…` name, its
 * short form such as `Canary10Percent5Minutes`, or one of `customConfigs`).
 */
export const CodeDeploySettings = z.strictObject({
  deploymentConfig: z.string().min(1).default('CodeDeployDefault.LambdaCanary10Percent5Minutes'),
  customConfigs: z.array(CustomDeploymentConfig).max(10).default([]),
});
export type CodeDeploySettings = z.infer<typeof CodeDeploySettings>;

/** CloudWatch comparison operators an alarm may use. */
export const Comparison = z.enum(['GreaterThanThreshold', 'GreaterThanOrEqualToThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold']);

/** How an alarm treats periods without data (CloudWatch `TreatMissingData`). */
export const TreatMissingData = z.enum(['missing', 'ignore', 'breaching', 'notBreaching']);

const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;
/**
 * What breaks CloudWatch's rules for a dimension name (`max` 255) or value (`max` 1024) — API
 * reference, `Dimension`: 1–`max` characters, printable ASCII (no control characters), at least one
 * that is not whitespace — or undefined. (A name must also not start with a colon.)
 */
function dimensionProblem(text: string, max: number): string | undefined {
  if (text.length < 1 || text.length > max) return `must be 1–${max} characters, got ${text.length}`;
  if (!PRINTABLE_ASCII.test(text)) return 'must be printable ASCII (no control characters)';
  if (text.trim() === '') return 'must hold a non-whitespace character';
  return undefined;
}

/** At most this many dimensions on one metric (CloudWatch `Dimension`: "up to 30"). */
export const MAX_DIMENSIONS = 30;

/**
 * An alarm on any metric (e.g. the service's own business metric, or another AWS service's), with
 * PutMetricAlarm's limits: namespace and metric name 1–255 characters, the namespace not starting
 * with a colon; at most 30 dimensions, `ExecutedVersion` included when `perVersion` adds it. CMV
 * only reads metrics (it never calls PutMetricData), so `AWS/` namespaces are allowed.
 */
export const CustomAlarm = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be lower-case letters, digits and dashes'),
    namespace: z.string().min(1).max(255).regex(/^[^:]/, 'must not start with a colon'),
    metricName: z.string().min(1).max(255),
    dimensions: z.record(z.string(), z.string()).default({}),
    /** Sum, Average, Minimum, Maximum, SampleCount or a percentile such as p99. */
    statistic: z.string().regex(/^(Sum|Average|Minimum|Maximum|SampleCount|p\d{1,2}(\.\d+)?)$/, 'must be a CloudWatch statistic'),
    comparison: Comparison.default('GreaterThanThreshold'),
    /** Any finite number (CloudWatch's Threshold is a double; zod refuses Infinity and NaN). */
    threshold: z.number(),
    /** Adds the dimension `ExecutedVersion` = the new version, for metrics the service emits per version. */
    perVersion: z.boolean().default(false),
    treatMissingData: TreatMissingData.default('missing'),
  })
  .superRefine((c, ctx) => {
    const names = Object.keys(c.dimensions);
    const max = c.perVersion ? MAX_DIMENSIONS - 1 : MAX_DIMENSIONS;
    if (names.length > max) {
      const why = c.perVersion ? ' when perVersion adds ExecutedVersion' : '';
      ctx.addIssue({
        code: 'custom',
        path: ['dimensions'],
        message: `at most ${max} dimensions${why} (CloudWatch allows ${MAX_DIMENSIONS}), got ${names.length}`,
      });
    }
    if (c.perVersion && names.includes('ExecutedVersion')) {
      ctx.addIssue({ code: 'custom', path: ['dimensions'], message: 'ExecutedVersion is set by perVersion to the version being deployed; leave it out' });
    }
    for (const [name, value] of Object.entries(c.dimensions)) {
      const nameProblem = name.startsWith(':') ? 'must not start with a colon' : dimensionProblem(name, 255);
      if (nameProblem) ctx.addIssue({ code: 'custom', path: ['dimensions', name], message: `dimension name ${nameProblem}` });
      const valueProblem = dimensionProblem(value, 1024);
      if (valueProblem) ctx.addIssue({ code: 'custom', path: ['dimensions', name], message: `dimension value ${valueProblem}` });
    }
  });
export type CustomAlarm = z.infer<typeof CustomAlarm>;

/**
 * The longest evaluation range CloudWatch accepts, `Period` × `EvaluationPeriods` in s
 * (PutMetricAlarm): a day for periods under an hour, 7 days otherwise.
 */
export const maxEvaluationSeconds = (periodSeconds: number): number => (periodSeconds < 3_600 ? 86_400 : 604_800);

/**
 * The alarms that guard a deployment, all on the new version's own metrics: error rate (always),
 * p99 latency in ms and throttles per period (when set), and custom alarms. A period lasts
 * `periodSeconds`; an alarm fires when `evaluationPeriods` periods in a row breach.
 *
 * PutMetricAlarm's limits hold at registration, so no deployment fails arming its alarms:
 * `periodSeconds` × `evaluationPeriods` at most {@link maxEvaluationSeconds}. CloudWatch also takes
 * 10, 20 and 30 s periods, but only high-resolution metrics have data for them; every CMV alarm
 * set includes the error-rate alarm on Lambda's metrics, which are per minute, so a sub-minute
 * period would leave most periods empty — and empty periods count as not breaching: the guard
 * would never fire. Hence `periodSeconds` is a multiple of 60.
 */
export const AlarmSettings = z
  .strictObject({
    errorRatePercent: z.number().min(0).max(100),
    periodSeconds: z
      .number()
      .int()
      .refine((p) => p >= 60 && p % 60 === 0, 'must be a multiple of 60 s (Lambda metrics are per minute; sub-minute periods would see no data)'),
    evaluationPeriods: z.number().int().min(1),
    /** Below this many requests in a period the error rate counts as 0. */
    minimumRequests: z.number().int().min(1),
    /** p99 of Duration above this many ms. */
    p99LatencyMs: z.number().positive().optional(),
    /** More than this many throttled invocations in a period. */
    throttles: z.number().int().min(0).optional(),
    /** At most 7: with error rate, p99 and throttles, 10 alarms — what a CodeDeploy deployment group watches at most. */
    custom: z.array(CustomAlarm).max(7).default([]),
  })
  .superRefine((a, ctx) => {
    const limit = maxEvaluationSeconds(a.periodSeconds);
    if (a.periodSeconds * a.evaluationPeriods > limit) {
      const which = a.periodSeconds < 3_600 ? 'under an hour' : 'of an hour or more';
      ctx.addIssue({
        code: 'custom',
        path: ['evaluationPeriods'],
        message: `periodSeconds × evaluationPeriods must be at most ${limit} s for a period ${which} (CloudWatch PutMetricAlarm), got ${a.periodSeconds * a.evaluationPeriods}`,
      });
    }
  });
export type AlarmSettings = z.infer<typeof AlarmSettings>;

/** One smoke test: invoke with `payload`; it passes when the call succeeds and the result contains `expect` (a deep subset). */
export const SmokeTest = z.strictObject({
  name: z.string().min(1).max(100),
  payload: z.unknown(),
  expect: z.unknown().optional(),
});
export type SmokeTest = z.infer<typeof SmokeTest>;

/**
 * The days a version stays activatable after it was last published or live: at least 90 days (the
 * CMV seed's rollback window, issue #13).
 */
export const DEFAULT_KEEP_DAYS = 90;

/**
 * Which published versions to keep (the live one and the last good one are always kept): the
 * `keepVersions` newest, and every version last published or live less than `keepDays` days ago
 * (0: by count alone; at most 3650, ten years).
 */
export const RetentionSettings = z.strictObject({
  keepVersions: z.number().int().min(2).max(100).default(5),
  keepDays: z.number().int().min(0).max(3650).default(DEFAULT_KEEP_DAYS),
});
export type RetentionSettings = z.infer<typeof RetentionSettings>;

export const DEFAULT_CANARY: CanarySettings = { steps: [10, 50, 100], bakeSeconds: 60 };
/** Blue-green without provisioned concurrency, baking 5 minutes. */
export const DEFAULT_BLUE_GREEN: BlueGreenSettings = { bakeSeconds: 300 };
export const DEFAULT_ALARMS: AlarmSettings = { errorRatePercent: 5, periodSeconds: 60, evaluationPeriods: 1, minimumRequests: 5, custom: [] };
