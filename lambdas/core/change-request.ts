import valid from 'semver/functions/valid';
import * as z from 'zod';
import { Ramp } from './ramp';
import { StrategyName } from './strategies/names';
import { CanarySteps, oneOfStepsOrRamp } from './target-settings';

/**
 * The change request a team proposes (POST /changes body), its enums and limits.
 * Limits follow AWS Lambda's: environment variables ≤ 4 KB in total, keys `[A-Za-z][A-Za-z0-9_]+`,
 * and keys starting `AWS_` are reserved (Lambda developer guide, "Working with environment variables").
 */

/** Change types of ITIL 4 change enablement, plus `maintenance` for routine upkeep. */
export const ChangeType = z.enum(['emergency', 'standard', 'minor', 'maintenance']);
export type ChangeType = z.infer<typeof ChangeType>;

/** Risk levels, highest first. */
export const RiskLevel = z.enum(['critical', 'high', 'medium', 'low']);
export type RiskLevel = z.infer<typeof RiskLevel>;

/** A target (registered service) name: lowercase, digits and dashes, 2–63 characters. */
export const TargetName = z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'must be 2–63 lowercase letters, digits or dashes, starting with a letter');

/** A target's environment (matched by the policy's `environments`): lowercase, digits and dashes, 1–32 characters. */
export const EnvironmentName = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be 1–32 lowercase letters, digits or dashes, starting with a letter');

/**
 * A change id, as a path or query parameter: CMV gives UUIDs; at most 128 characters, so that a key
 * built from it stays far within DynamoDB's limits (partition key 2,048 bytes, sort key 1,024).
 */
export const ChangeId = z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters');

/** A semantic version `MAJOR.MINOR.PATCH` (semver.org 2.0.0), without a `v` prefix. */
export const SemanticVersion = z.string().refine((v) => valid(v) === v, 'must be a semantic version such as 1.2.0');

/** Lambda's pattern for environment variable keys: `[a-zA-Z]([a-zA-Z0-9_])+` (two characters at least). */
const ENV_KEY = /^[A-Za-z][A-Za-z0-9_]+$/;
const ENV_LIMIT_BYTES = 4096;

/** Environment variables of the function version; Lambda's size and key rules. */
export const FunctionConfig = z
  .record(z.string().regex(ENV_KEY, 'must be a valid environment variable name'), z.string())
  .refine((env) => !Object.keys(env).some((k) => k.startsWith('AWS_')), 'keys starting with AWS_ are reserved by Lambda')
  .refine((env) => Buffer.byteLength(JSON.stringify(env)) <= ENV_LIMIT_BYTES, `must be at most ${ENV_LIMIT_BYTES} bytes in total`);
export type FunctionConfig = z.infer<typeof FunctionConfig>;

/** Where the new code comes from: an artifact URI, or a unified diff against the base version. */
export const ChangeCode = z.union([
  z.strictObject({
    artifact: z.string().regex(/^(file|s3):\/\/.+/, 'must be a file:// path or an s3:// URI'),
  }),
  z.strictObject({ diff: z.string().min(1, 'must not be empty').max(1_000_000, 'must be at most 1 MB') }),
]);
export type ChangeCode = z.infer<typeof ChangeCode>;

/**
 * Canary plan overrides: fixed weights in % (strictly increasing, ending at 100) or a health-driven
 * `ramp` (ramp.ts), and bake times in s. The health limits are the target's.
 */
export const CanaryOverride = z
  .strictObject({
    steps: CanarySteps.optional(),
    ramp: Ramp.optional(),
    bakeSeconds: z.number().int().min(0).max(86_400).optional(),
    finalBakeSeconds: z.number().int().min(0).max(86_400).optional(),
  })
  .superRefine(oneOfStepsOrRamp);
export type CanaryOverride = z.infer<typeof CanaryOverride>;

/**
 * What the change is about, beside its type and risk; the policy's testing matrix and rules key on
 * it. Omitted in a request: derived (`config` when only config changes, else `code`; see the plan).
 */
export const ChangeCategory = z.enum(['code', 'config', 'schema', 'infrastructure', 'documentation']);
export type ChangeCategory = z.infer<typeof ChangeCategory>;

/** A free-text field of the change request template: trimmed, not empty, at most 10,000 characters. */
const TemplateText = z.string().trim().min(1).max(10_000);

/**
 * The change's impact analysis: its technical and security risk in words, and the downtime it
 * causes in whole minutes (0: none; at most a week, 10,080).
 */
export const ImpactAnalysis = z.strictObject({
  technicalRisk: TemplateText,
  securityRisk: TemplateText,
  downtimeMinutes: z.number().int().min(0).max(10_080),
});
export type ImpactAnalysis = z.infer<typeof ImpactAnalysis>;

/**
 * When the requester would like the change deployed: ISO-8601 times with an offset, `start` before
 * `end`. Informational: the policy's windows and blackouts decide when a deployment may start.
 */
export const RequestedWindow = z
  .strictObject({ start: z.iso.datetime({ offset: true }), end: z.iso.datetime({ offset: true }) })
  .refine((w) => Date.parse(w.start) < Date.parse(w.end), { message: 'start must be before end', path: ['end'] });
export type RequestedWindow = z.infer<typeof RequestedWindow>;

/**
 * The change request template's fields beside title and description (ITIL 4 change enablement's
 * request for change). Each is optional in the schema; a policy rule's `requiredFields` makes some
 * mandatory for the changes it decides.
 */
export const ChangeTemplate = {
  category: ChangeCategory.optional(),
  /** The business reason for the change. */
  justification: TemplateText.optional(),
  impactAnalysis: ImpactAnalysis.optional(),
  /** The registered targets the change affects (at least one; checked at intake). */
  affectedComponents: z
    .array(TargetName)
    .min(1)
    .max(50)
    .refine((names) => new Set(names).size === names.length, 'must not name a target twice')
    .optional(),
  /** How the change is undone if it goes wrong. */
  rollbackPlan: TemplateText.optional(),
  /** How the change was, or will be, tested beyond the policy's suites. */
  testingPlan: TemplateText.optional(),
  requestedWindow: RequestedWindow.optional(),
  /** Tickets and documents: http(s) URLs, at most 20. */
  links: z
    .array(z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2000))
    .min(1)
    .max(20)
    .optional(),
};

/** The template fields as given in a request (each optional). */
export type ChangeTemplateFields = z.infer<z.ZodObject<typeof ChangeTemplate>>;

/** The template fields a policy rule can require (`requiredFields`). */
export const TemplateField = z.enum([
  'category',
  'justification',
  'impactAnalysis',
  'affectedComponents',
  'rollbackPlan',
  'testingPlan',
  'requestedWindow',
  'links',
]);
export type TemplateField = z.infer<typeof TemplateField>;

/** The template fields a request gives, without the absent ones (what a change and its ledger entry keep). */
export function templateOf(request: ChangeTemplateFields): Omit<ChangeTemplateFields, 'category'> {
  return Object.fromEntries(TemplateField.options.filter((k) => k !== 'category' && request[k] !== undefined).map((k) => [k, request[k]]));
}

/** The body of POST /changes. Unknown fields are rejected so that typos do not pass silently. */
export const ProposeChangeRequest = z.strictObject({
  target: TargetName,
  /** The version to create; default: the next `bump` of the highest existing version. */
  version: SemanticVersion.optional(),
  /** Which part to increment; default: derived from what the change changes (version-bump.ts: deriveBump). */
  bump: z.enum(['major', 'minor', 'patch']).optional(),
  /** The change breaks callers or dependants: a major version when none is named (semver.org §8). */
  breaking: z.boolean().optional(),
  /** A new capability (minor) or a correction (patch), when no version or bump is named. */
  kind: z.enum(['feature', 'fix']).optional(),
  /** The version the diff applies to and config is inherited from; default: the live version. */
  baseVersion: SemanticVersion.optional(),
  title: z.string().trim().min(3, 'must be at least 3 characters').max(200),
  description: z.string().max(10_000).default(''),
  changeType: ChangeType,
  riskLevel: RiskLevel,
  /** The new code; omitted: a config-only change that keeps the base version's code. */
  code: ChangeCode.optional(),
  /** The complete environment of the new version; default: the base version's. */
  config: FunctionConfig.optional(),
  canary: CanaryOverride.optional(),
  /** How to roll out; default: the target's strategy. */
  strategy: StrategyName.optional(),
  /** codedeploy: a deployment config name; default: the target's. */
  deploymentConfig: z.string().min(1).max(100).optional(),
  /**
   * Deploy even when code and config are those of the live version (a re-deploy, e.g. to roll the
   * function's instances); without it such a change is refused as changing nothing.
   */
  redeploy: z.boolean().default(false),
  ...ChangeTemplate,
});
export type ProposeChangeRequest = z.infer<typeof ProposeChangeRequest>;

/** The body of POST /changes/{id}/approvals. */
export const ApprovalDecisionRequest = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  comment: z.string().max(2000).default(''),
});
export type ApprovalDecisionRequest = z.infer<typeof ApprovalDecisionRequest>;
