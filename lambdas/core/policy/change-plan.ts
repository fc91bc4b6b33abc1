import type { ChangeCategory, TemplateField } from '../change-request';
import type { HealthSettings, Ramp } from '../ramp';
import type { StrategyName } from '../strategies/names';
import type { ChangeWindow, Quorum, TestSuite } from './change-policy';

/** A group as planned for one change: who may vote in it and how many approvals it needs. */
export interface PlannedGroup {
  readonly name: string;
  readonly roles: readonly string[];
  readonly quorum: Quorum;
  /** Eligible members (user ids), never the requester. */
  readonly eligible: readonly string[];
  /** Approvals needed: N, ⌊M/2⌋+1 (majority) or M (unanimous), M = eligible members. */
  readonly required: number;
}

/**
 * What the policy decides for one change: who approves, which tests, when it may start, how it is
 * rolled out. Returned by `POST /changes?dryRun=true` and `cmv plan`, and kept on the change.
 */
export interface ChangePlan {
  readonly policy: { readonly name: string; readonly sha256: string; readonly ruleId: string; readonly rule: string };
  /** The change's category: the request's, or derived when it gave none (`derived` says from what). Absent on plans made before categories. */
  readonly category?: { readonly name: ChangeCategory; readonly derived?: string };
  /** The change request template fields the rule requires (all given, or the change was refused). Absent on plans made before the template. */
  readonly requiredFields?: readonly TemplateField[];
  readonly approvals: { readonly groups: readonly PlannedGroup[]; readonly timeoutHours: number; readonly unmet?: string };
  readonly tests: readonly TestSuite[];
  /** Emergency: the tests run after the deployment reached 100 % (a failure rolls back). */
  readonly testsAfterDeploy: boolean;
  readonly window: { readonly timeZone: string; readonly windows: readonly ChangeWindow[]; readonly bypass: boolean; readonly earliestStart: string };
  /** How it rolls out: the change request's strategy, else the target's. */
  readonly strategy: StrategyName;
  /** codedeploy: the deployment config name (`CodeDeployDefault.Lambda…` or the target's custom one). */
  readonly deploymentConfig: string;
  /**
   * alias-weights: weights in %, bake time per step and after 100 % in s. A health-driven ramp also
   * has `ramp` (its weights are `steps`) and the `health` limits each step is judged by.
   */
  readonly canary: {
    readonly steps: readonly number[];
    readonly bakeSeconds: number;
    readonly finalBakeSeconds: number;
    readonly ramp?: Ramp;
    readonly health?: HealthSettings;
  };
  /** blue-green: the new version's provisioned concurrency (none: no warm-up) and the bake after the switch in s; absent in plans made before it existed. */
  readonly blueGreen?: { readonly provisionedConcurrency?: number; readonly bakeSeconds: number };
  readonly postImplementationReview: boolean;
  /**
   * How the version was chosen: named by the request (bump null), a bump it asked for, or one derived
   * from what the change changes, with the findings that decided it (version-bump.ts). Absent on
   * changes proposed before CMV derived bumps.
   */
  readonly versioning?: { readonly bump: 'major' | 'minor' | 'patch' | null; readonly reasons: readonly string[] };
}
