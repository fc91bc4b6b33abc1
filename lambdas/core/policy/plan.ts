import { type PlannedGroup, planGroups, unmetGroups } from '../approval';
import type { ChangeType, RiskLevel } from '../change-request';
import type { User } from '../ports';
import { type ChangePolicy, type ChangeWindow, matchRule, policyHash, type TestSuite } from './change-policy';
import { earliestStart } from './change-window';

/**
 * What the policy decides for one change: who approves, which tests, when it may start, how it is
 * rolled out. Returned by `POST /changes?dryRun=true` and `cmv plan`, and kept on the change.
 */
export interface ChangePlan {
  readonly policy: { readonly name: string; readonly sha256: string; readonly ruleId: string; readonly rule: string };
  readonly approvals: { readonly groups: readonly PlannedGroup[]; readonly timeoutHours: number; readonly unmet?: string };
  readonly tests: readonly TestSuite[];
  /** Emergency: the tests run after the deployment reached 100 % (a failure rolls back). */
  readonly testsAfterDeploy: boolean;
  readonly window: { readonly timeZone: string; readonly windows: readonly ChangeWindow[]; readonly bypass: boolean; readonly earliestStart: string };
  /** Weights in %, bake time in s. */
  readonly canary: { readonly steps: readonly number[]; readonly bakeSeconds: number };
  readonly postImplementationReview: boolean;
}

/** The facts about a change that the policy looks at. */
export interface PlanInput {
  readonly changeType: ChangeType;
  readonly riskLevel: RiskLevel;
  readonly environment: string;
  readonly requester: string;
  /** The change request's own canary, which wins over the rule's and the target's. */
  readonly canary?: { readonly steps: readonly number[]; readonly bakeSeconds?: number };
}

/**
 * Plans a change under a policy. Pure: same inputs, same plan.
 * @param targetCanary - the target's default canary (weights in %, bake in s)
 */
export function planChange(
  policy: ChangePolicy,
  input: PlanInput,
  targetCanary: { steps: readonly number[]; bakeSeconds: number },
  users: readonly User[],
  now: Date,
): ChangePlan {
  const rule = matchRule(policy, input);
  const groups = planGroups(rule.approvals, users, input.requester);
  const unmet = unmetGroups(groups);
  const base = rule.canary ?? targetCanary;
  return {
    policy: { name: policy.name, sha256: policyHash(policy), ruleId: rule.id, rule: rule.description },
    approvals: { groups, timeoutHours: rule.approvalTimeoutHours, ...(unmet ? { unmet } : {}) },
    tests: rule.tests,
    testsAfterDeploy: rule.testsAfterDeploy,
    window: {
      timeZone: policy.timeZone,
      windows: rule.windows,
      bypass: rule.bypassWindows,
      earliestStart: earliestStart(now, rule.windows, policy.blackouts, policy.timeZone, rule.bypassWindows).toISOString(),
    },
    canary: { steps: input.canary?.steps ?? base.steps, bakeSeconds: input.canary?.bakeSeconds ?? base.bakeSeconds },
    postImplementationReview: rule.postImplementationReview,
  };
}
