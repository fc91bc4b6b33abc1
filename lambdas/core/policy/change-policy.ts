import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import * as z from 'zod';
import { ChangeCategory, ChangeType, EnvironmentName, RiskLevel, TemplateField } from '../change-request';
import { Ramp } from '../ramp';
import { oneOfStepsOrRamp } from '../target-settings';

/**
 * The change-control policy as code: which approvers, tests, change windows and bypasses a change
 * needs, by change type × risk level × target environment × change category. Rules are tried in order; the first
 * whose `match` fits decides. The model follows ITIL 4 change enablement (standard / normal /
 * emergency changes, a change authority per class, the CAB and the ECAB) and ISO/IEC 20000-1:2018 §8.5.1.
 */

/**
 * The roles every deployment has, whatever its policy: CMV's own authorization uses `requester`
 * (proposes), `release_admin` (registers targets, operator controls, activate), `auditor` (reads
 * and verifies the ledger); `cab` and `executive` also read the audit trail, and `approver` is the
 * peer reviewer of the policies CMV ships. A policy declares further roles in `roles`.
 */
export const BUILT_IN_ROLES = ['requester', 'approver', 'cab', 'executive', 'release_admin', 'auditor'] as const;

/** A role's name (a Cognito group of the same name in AWS): lowercase letters, digits, `_` or `-`, 1–32 characters. */
export const Role = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/);
export type Role = z.infer<typeof Role>;

/** A role the policy declares beside the built-in ones, e.g. `security`, `operations`, `tech-lead`. */
export const PolicyRole = z.strictObject({ name: Role, description: z.string().default('') });
export type PolicyRole = z.infer<typeof PolicyRole>;

/**
 * Who reads the audit trail (GET /audit, GET /audit/verify): those who oversee changes — auditors,
 * release admins, the CAB and executives. Requesters and approvers follow the changes themselves
 * through GET /changes; the ledger holds every change's decisions, across all targets.
 */
export const AUDIT_READERS: readonly Role[] = ['auditor', 'release_admin', 'cab', 'executive'] satisfies (typeof BUILT_IN_ROLES)[number][];

/**
 * Who reads the compliance report (GET /reports/compliance): auditors, who test the controls, and
 * release admins, who run them. The CAB and executives decide single changes; the report grades
 * how all of them were made.
 */
export const COMPLIANCE_READERS: readonly Role[] = ['auditor', 'release_admin'];

/** Who may have CMV sign a digest of the ledger on demand (POST /audit/digests): the auditors and the release admins. */
export const DIGEST_MAKERS: readonly Role[] = ['auditor', 'release_admin'];

/**
 * Who downloads a change's evidence pack (GET /changes/{id}/evidence): auditors, who take it away
 * to verify, and release admins, who answer for the changes; as for the compliance report.
 */
export const EVIDENCE_READERS: readonly Role[] = ['auditor', 'release_admin'];

/**
 * A test suite's name: the policy's rules name the suites they require (lint, unit, integration,
 * regression, performance, security, or any other, e.g. migration, compatibility), and a target
 * registers a command for each suite it has (`testSuites`). A rule's suite the target lacks refuses
 * the change at intake (409). Lowercase letters, digits and dashes, 1–32 characters.
 */
export const TestSuite = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/);
export type TestSuite = z.infer<typeof TestSuite>;

/** How many of a group's eligible members must approve: N of M, a majority (> half), or all. */
export const Quorum = z.union([z.strictObject({ count: z.number().int().min(1) }), z.literal('majority'), z.literal('unanimous')]);
export type Quorum = z.infer<typeof Quorum>;

/** A set of approvers with a quorum, e.g. the CAB (majority) or an executive (1). */
export const ApproverGroup = z.strictObject({
  name: z.string().min(1),
  roles: z.array(Role).min(1),
  quorum: Quorum,
});
export type ApproverGroup = z.infer<typeof ApproverGroup>;

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)');

/** A weekly change window in the policy's time zone, e.g. Saturday 02:00–04:00. */
export const ChangeWindow = z
  .strictObject({ days: z.array(z.enum(DAYS)).min(1), start: HHMM, end: HHMM })
  .refine((w) => w.start < w.end, 'start must be before end');
export type ChangeWindow = z.infer<typeof ChangeWindow>;

/** A period when no change may start (e.g. year-end freeze). Times are ISO-8601 with offset. */
export const Blackout = z.strictObject({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }), reason: z.string().min(1) });
export type Blackout = z.infer<typeof Blackout>;

/** One row of the matrix. Omitted match fields match anything. */
export const PolicyRule = z.strictObject({
  id: z.string().min(1),
  description: z.string().default(''),
  match: z.strictObject({
    changeTypes: z.array(ChangeType).min(1).optional(),
    riskLevels: z.array(RiskLevel).min(1).optional(),
    environments: z.array(z.string().min(1)).min(1).optional(),
    /** The change's category (the request's, or the derived one). */
    categories: z.array(ChangeCategory).min(1).optional(),
  }),
  /** Every group must reach its quorum; one person counts once, in one group. Empty: pre-approved. */
  approvals: z.array(ApproverGroup),
  /** The suites the change must pass, in order; empty: no tests (e.g. documentation), recorded as TestsNotRequired. */
  tests: z.array(TestSuite).refine((t) => new Set(t).size === t.length, 'must not name a suite twice'),
  /** Weekly windows a deployment may start in; empty: any time (blackouts still apply). */
  windows: z.array(ChangeWindow).default([]),
  /** Emergency: start at once, ignoring windows and blackouts. */
  bypassWindows: z.boolean().default(false),
  /** Emergency: run the tests after the deployment reached 100 % (a failure rolls back) instead of before approval. */
  testsAfterDeploy: z.boolean().default(false),
  /** Emergency: a post-implementation review must be recorded after the deployment. */
  postImplementationReview: z.boolean().default(false),
  /** Change request template fields the change must give (e.g. justification, rollbackPlan); missing ones: 400 naming the field and this rule. */
  // Optional rather than default([]): a policy without it keeps the hash it had before the field existed.
  requiredFields: z.array(TemplateField).optional(),
  /** Hours the approvers have before the change expires. */
  approvalTimeoutHours: z
    .number()
    .positive()
    .max(24 * 30),
  /** Canary weights in % (fixed `steps` or a health-driven `ramp`) and bake time in s; default: the target's. */
  canary: z
    .strictObject({ steps: z.array(z.number().int().min(1).max(100)).min(1).optional(), ramp: Ramp.optional(), bakeSeconds: z.number().int().min(0) })
    .superRefine(oneOfStepsOrRamp)
    .optional(),
});
export type PolicyRule = z.infer<typeof PolicyRule>;

/** The environments a version is promoted through when the policy names none, in order. */
export const DEFAULT_PROMOTION_ORDER = ['development', 'staging', 'production'] as const;

/**
 * How versions are promoted between environments (`POST /changes/{id}/advance`): the order of the
 * environments, earliest first, and per destination environment the hours the change advanced must
 * have been deployed and healthy in its own environment first (e.g. `{production: 24}`: a staging
 * change advances to production 24 h after it was deployed in staging at the earliest). Hours may be
 * fractional; an environment not listed needs none.
 */
export const PromotionPolicy = z
  .strictObject({
    order: z
      .array(EnvironmentName)
      .min(2)
      .default([...DEFAULT_PROMOTION_ORDER]),
    requireHealthyHours: z
      .record(
        EnvironmentName,
        z
          .number()
          .min(0)
          .max(24 * 90),
      )
      .default({}),
  })
  .refine((p) => new Set(p.order).size === p.order.length, { message: 'must not name an environment twice', path: ['order'] });
export type PromotionPolicy = z.infer<typeof PromotionPolicy>;

/** A whole policy file. */
export const ChangePolicy = z
  .strictObject({
    name: z.string().min(1),
    timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin'),
    /** Roles beside the built-in ones; approver groups and the users file may name only these and the built-ins. */
    roles: z.array(PolicyRole).optional(),
    blackouts: z.array(Blackout).default([]),
    rules: z.array(PolicyRule).min(1),
    /** Promotion between environments; absent: {@link DEFAULT_PROMOTION_ORDER}, no waiting time (see {@link promotionOf}). */
    promotion: PromotionPolicy.optional(),
  })
  .superRefine((p, ctx) => {
    const declared = (p.roles ?? []).map((r) => r.name);
    const known = new Set<string>(BUILT_IN_ROLES);
    declared.forEach((name, i) => {
      if (known.has(name)) ctx.addIssue({ code: 'custom', path: ['roles', i, 'name'], message: 'declared twice' });
      known.add(name);
    });
    for (const [r, rule] of p.rules.entries())
      for (const [g, group] of rule.approvals.entries())
        for (const [i, role] of group.roles.entries())
          if (!known.has(role)) ctx.addIssue({ code: 'custom', path: ['rules', r, 'approvals', g, 'roles', i], message: `unknown role ${role}` });
  })
  .refine((p) => new Set(p.rules.map((r) => r.id)).size === p.rules.length, { message: 'rule ids must be unique', path: ['rules'] })
  .refine((p) => p.rules.some((r) => !r.match.changeTypes && !r.match.riskLevels && !r.match.environments && !r.match.categories), {
    message: 'needs a last-resort rule that matches every change (empty match)',
    path: ['rules'],
  });
export type ChangePolicy = z.infer<typeof ChangePolicy>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The policy's promotion section, or the default (development → staging → production, no waiting time) when it has none. */
export function promotionOf(policy: Pick<ChangePolicy, 'promotion'>): PromotionPolicy {
  return policy.promotion ?? { order: [...DEFAULT_PROMOTION_ORDER], requireHealthyHours: {} };
}

/** SHA-256 (hex) of the policy's RFC 8785 canonical JSON: recorded on every change it decided. */
export function policyHash(policy: ChangePolicy): string {
  return createHash('sha256')
    .update(canonicalize(policy) ?? '')
    .digest('hex');
}

/**
 * The rule that decides a change. A change without a category matches only rules that name none.
 * @throws Error when none matches (impossible for a policy that passed ChangePolicy)
 */
export function matchRule(
  policy: ChangePolicy,
  change: { changeType: ChangeType; riskLevel: RiskLevel; environment: string; category?: ChangeCategory },
): PolicyRule {
  const rule = policy.rules.find(
    (r) =>
      (!r.match.changeTypes || r.match.changeTypes.includes(change.changeType)) &&
      (!r.match.riskLevels || r.match.riskLevels.includes(change.riskLevel)) &&
      (!r.match.environments || r.match.environments.includes(change.environment)) &&
      (!r.match.categories || (change.category !== undefined && r.match.categories.includes(change.category))),
  );
  if (!rule) throw new Error(`no policy rule matches ${change.changeType}/${change.riskLevel}/${change.environment}/${change.category}`);
  return rule;
}
