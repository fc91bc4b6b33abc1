import { planGroups, unmetGroups } from '../approval';
import type { ChangeCategory, ChangeType, RiskLevel } from '../change-request';
import { DEFAULT_HEALTH, type Ramp, rampWeights } from '../ramp';
import type { StrategyName } from '../strategies/names';
import { type BlueGreenSettings, type CanarySettings, DEFAULT_BLUE_GREEN } from '../target-settings';
import type { User } from '../user';
import type { ChangePlan } from './change-plan';
import { type ChangePolicy, matchRule, policyHash } from './change-policy';
import { earliestStart } from './change-window';

export type { ChangePlan } from './change-plan';

/** The facts about a change that the policy looks at. */
export interface PlanInput {
  readonly changeType: ChangeType;
  readonly riskLevel: RiskLevel;
  /** The request's category; omitted: derived from `codeChanges`. */
  readonly category?: ChangeCategory;
  /** Whether the request brings code (a diff or an artifact); false: a config-only change. @default true */
  readonly codeChanges?: boolean;
  readonly environment: string;
  readonly requester: string;
  /** The change request's own canary (fixed steps or a ramp), which wins over the rule's and the target's. */
  readonly canary?: {
    readonly steps?: readonly number[];
    readonly ramp?: Ramp;
    readonly bakeSeconds?: number;
    readonly finalBakeSeconds?: number;
  };
  readonly strategy?: StrategyName;
  readonly deploymentConfig?: string;
}

/** What the target says about rolling out, unless the change request or the policy rule says otherwise. */
export interface TargetRollout {
  readonly strategy: StrategyName;
  readonly canary: CanarySettings;
  readonly codeDeploy: { readonly deploymentConfig: string };
  /** Absent on targets stored before blue-green existed: `DEFAULT_BLUE_GREEN`. */
  readonly blueGreen?: BlueGreenSettings;
}

/**
 * Plans a change under a policy. Pure: same inputs, same plan.
 * @param target - the target's rollout defaults (weights in %, bake in s)
 */
export function planChange(policy: ChangePolicy, input: PlanInput, target: TargetRollout, users: readonly User[], now: Date): ChangePlan {
  const category = categoryOf(input);
  const rule = matchRule(policy, { ...input, category: category.name });
  const groups = planGroups(rule.approvals, users, input.requester);
  const unmet = unmetGroups(groups);
  const base = rule.canary ?? target.canary;
  const bakeSeconds = input.canary?.bakeSeconds ?? base.bakeSeconds;
  // The weights come whole from one place: the request's steps or ramp, else the rule's, else the target's.
  const shape = input.canary?.steps || input.canary?.ramp ? input.canary : base;
  const ramp = shape.ramp;
  return {
    policy: { name: policy.name, sha256: policyHash(policy), ruleId: rule.id, rule: rule.description },
    category,
    requiredFields: rule.requiredFields ?? [],
    approvals: { groups, timeoutHours: rule.approvalTimeoutHours, ...(unmet ? { unmet } : {}) },
    tests: rule.tests,
    // Nothing to defer without suites: the workflow records that none are required instead.
    testsAfterDeploy: rule.testsAfterDeploy && rule.tests.length > 0,
    window: {
      timeZone: policy.timeZone,
      windows: rule.windows,
      bypass: rule.bypassWindows,
      earliestStart: earliestStart(now, rule.windows, policy.blackouts, policy.timeZone, rule.bypassWindows).toISOString(),
    },
    strategy: input.strategy ?? target.strategy,
    deploymentConfig: input.deploymentConfig ?? target.codeDeploy.deploymentConfig,
    canary: {
      steps: ramp ? rampWeights(ramp) : (shape.steps ?? []),
      bakeSeconds,
      finalBakeSeconds: input.canary?.finalBakeSeconds ?? (rule.canary ? bakeSeconds : (target.canary.finalBakeSeconds ?? bakeSeconds)),
      // A ramp is health-driven, by the target's limits (the service's own; defaults from the seed).
      ...(ramp ? { ramp, health: { ...DEFAULT_HEALTH, ...target.canary.health } } : {}),
    },
    blueGreen: target.blueGreen ?? DEFAULT_BLUE_GREEN,
    postImplementationReview: rule.postImplementationReview,
  };
}

/** The request's category, else `config` for a change without code and `code` for one with code. */
export function categoryOf(input: Pick<PlanInput, 'category' | 'codeChanges'>): NonNullable<ChangePlan['category']> {
  if (input.category) return { name: input.category };
  return input.codeChanges !== false
    ? { name: 'code', derived: 'none given; it changes code' }
    : { name: 'config', derived: 'none given; it changes config only' };
}
