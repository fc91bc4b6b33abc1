import type { HealthCheck } from './canary-health';
import type { CanaryOverride, ChangeCategory, ChangeTemplateFields, ChangeType, FunctionConfig, RiskLevel } from './change-request';
import type { StepObservation } from './observations';

export type { StepObservation } from './observations';

import type { ChangePlan } from './policy/change-plan';
import type { HealthSettings, Ramp } from './ramp';
import type { StrategyName } from './strategies/names';
import type { StepDecision } from './workflow-state';

/** Every status a change can be in. The last six are final. */
export const CHANGE_STATUSES = [
  'submitted',
  'testing',
  'awaiting_approval',
  'scheduled',
  'deploying',
  'tests_failed',
  'rejected',
  'expired',
  'deployed',
  'rolled_back',
  'failed',
] as const;
export type ChangeStatus = (typeof CHANGE_STATUSES)[number];

/** Statuses in which the workflow has ended. */
export const FINAL_STATUSES: ReadonlySet<ChangeStatus> = new Set(['tests_failed', 'rejected', 'expired', 'deployed', 'rolled_back', 'failed']);

/** One approver's vote. `at` is an ISO-8601 time. */
export interface Vote {
  readonly approver: string;
  readonly roles: readonly string[];
  readonly decision: 'approve' | 'reject';
  readonly comment: string;
  readonly at: string;
}

/** One test suite as the build ran it. `durationMs` in ms; `output` is the log's tail. */
export interface SuiteResult {
  readonly suite: string;
  readonly command: string;
  readonly passed: boolean;
  readonly durationMs: number;
  readonly output: string;
}

/** The install of the service's dependencies before its suites (`npm ci`, when it has a lockfile). */
export interface InstallResult {
  readonly command: string;
  readonly passed: boolean;
  readonly durationMs: number;
  /** The last 4000 characters of its output. */
  readonly output: string;
}

/** The result of the change's test build: the install of its dependencies (if any), then suite by suite. */
export interface TestResult {
  readonly passed: boolean;
  readonly install?: InstallResult;
  readonly suites?: readonly SuiteResult[];
  readonly reportUri?: string;
  readonly buildId: string;
  readonly buildStatus: string;
  readonly logs?: string;
  readonly at: string;
}

/** One canary step as executed: `weight` is the % of traffic requested on the new version. */
export interface CanaryStepRecord {
  readonly weight: number;
  /** ISO-8601 time the alias was shifted to `weight` (or CodeDeploy was seen to shift it). */
  readonly at: string;
  /** ISO-8601 time the step was checked and decided. */
  readonly checkedAt?: string;
  readonly observed?: StepObservation;
  readonly alarms?: readonly { name: string; state: string }[];
  /** A health-driven step: each comparison of the new version with the limits and the old version, and the verdict. */
  readonly health?: HealthCheck;
  readonly decision?: StepDecision;
  readonly reason?: string;
}

/** One run of the smoke tests: before traffic (on the version itself) or at 100 % (through the alias). */
export interface SmokeTestRun {
  readonly phase: 'before-traffic' | 'after-traffic';
  readonly passed: boolean;
  readonly results: readonly { readonly name: string; readonly passed: boolean; readonly reason: string; readonly executedVersion: string }[];
  readonly at: string;
}

/** How the change is being (or was) deployed. Weights in %, bake times in s. */
export interface DeploymentRecord {
  readonly strategy: StrategyName;
  readonly functionName: string;
  readonly alias: string;
  readonly fromVersion: string;
  readonly fromFunctionVersion: string;
  readonly toFunctionVersion?: string;
  /** ISO-8601 time the deployment started: alarm states older than this do not count. */
  readonly startedAt?: string;
  readonly alarmNames?: readonly string[];
  readonly steps: readonly number[];
  readonly bakeSeconds: number;
  readonly finalBakeSeconds?: number;
  /** A health-driven ramp (its weights are `steps`), and the limits each of its steps is judged by. */
  readonly ramp?: Ramp;
  readonly health?: HealthSettings;
  /** codedeploy: the deployment config and the deployment's id. */
  readonly deploymentConfig?: string;
  readonly codeDeployId?: string;
  readonly currentWeight: number;
  readonly history: readonly CanaryStepRecord[];
  readonly smokeTests?: readonly SmokeTestRun[];
  /** Set by POST /changes/{id}/pause: the canary holds its weight after the current bake. */
  readonly paused?: { readonly by: string; readonly at: string; readonly reason: string };
  /** Set by POST /changes/{id}/promote: the remaining steps are skipped. */
  readonly promoteRequested?: { readonly by: string; readonly at: string; readonly reason: string };
  /**
   * blue-green: the new version's provisioned concurrency (execution environments): recorded as
   * requested before Lambda is asked (`requestedAt`), and when Lambda reported it READY. ISO-8601.
   */
  readonly warmUp?: { readonly provisionedConcurrency: number; readonly requestedAt?: string; readonly readyAt?: string };
  readonly outcome?: 'deployed' | 'rolled_back';
  readonly reason?: string;
  /**
   * ISO-8601 time the deployment ended (deployed, rolled back, or failed), written with the entry
   * that ends it: the canary report of an ended deployment is described as of this time, so the
   * SHA-256 that entry records of it stays the report's hash forever (canary-report.ts).
   */
  readonly endedAt?: string;
}

/** The change's source as the promoted change records it (`promotedFrom`): what proved itself, and where. */
export interface PromotedFrom {
  readonly changeId: string;
  readonly target: string;
  readonly environment: string;
  readonly version: string;
  /** The artifact's SHA-256 (base64, as Lambda's CodeSha256): the promoted change's is the same. */
  readonly artifactSha256: string;
  /** ISO-8601 time the source was deployed (its deployment ended). */
  readonly deployedAt: string;
  /** The source's test evidence, carried along (the destination's policy runs its own tests as well). */
  readonly tests?: {
    readonly passed: boolean;
    readonly buildId: string;
    readonly at: string;
    readonly reportUri?: string;
    readonly suites: readonly { readonly suite: string; readonly passed: boolean }[];
  };
}

/** Where a change was advanced to (`promotedTo` on the source): recorded before the new change is written. */
export interface PromotedTo {
  readonly changeId: string;
  readonly target: string;
  readonly environment: string;
  readonly version: string;
  readonly by: string;
  readonly at: string;
}

/**
 * A change as stored (one item of the changes table) and as the API shows it, minus secrets. The
 * change request template's fields (justification, impactAnalysis, …) are kept as the request gave
 * them; absent ones are absent.
 */
export interface Change extends Readonly<Omit<ChangeTemplateFields, 'category'>> {
  readonly changeId: string;
  readonly target: string;
  readonly version: string;
  readonly baseVersion: string | null;
  readonly status: ChangeStatus;
  /** Optimistic-lock counter: every write is conditioned on it and increments it. */
  readonly revision: number;
  readonly title: string;
  readonly description: string;
  readonly changeType: ChangeType;
  readonly riskLevel: RiskLevel;
  /** The request's category, or the one derived (plan.category says which); absent on changes proposed before categories. */
  readonly category?: ChangeCategory;
  readonly requester: string;
  /** Where the proposed code came from: the stored diff, or the artifact URI given. */
  readonly source: { readonly kind: 'diff' | 'artifact'; readonly uri: string };
  readonly artifact: { readonly uri: string; readonly sha256: string; readonly bytes: number };
  readonly config: FunctionConfig;
  readonly canary?: CanaryOverride;
  /** What the policy decided for it (approvers, tests, window, canary), with the policy's hash. */
  readonly plan: ChangePlan;
  /** ISO-8601 time the approval expires (set when approval is requested). */
  readonly approvalExpiresAt?: string;
  /** The post-implementation review an emergency change needs, once recorded. */
  readonly review?: {
    readonly by: string;
    readonly at: string;
    readonly outcome: 'successful' | 'partially_successful' | 'unsuccessful';
    readonly summary: string;
    readonly followUps: readonly string[];
  };
  /** ISO-8601 time the deployment may start (its change window), once approved. */
  readonly scheduledFor?: string;
  readonly approvals: readonly Vote[];
  /** ISO-8601 time the approval e-mails went out. */
  readonly approvalRequestedAt?: string;
  /** ISO-8601 time quorum was reached. */
  readonly approvedAt?: string;
  /** Emergency: ISO-8601 time the tests were deferred until after the deployment (`TestsDeferred`). */
  readonly testsDeferredAt?: string;
  readonly tests?: TestResult;
  readonly deployment?: DeploymentRecord;
  readonly executionArn?: string;
  readonly reason?: string;
  /** Advanced from a change deployed in the previous environment (`POST /changes/{id}/advance`): the same artifact. */
  readonly promotedFrom?: PromotedFrom;
  /** The change this one was advanced to in the next environment, recorded (`ChangeAdvanced`) before that change is written. */
  readonly promotedTo?: PromotedTo;
  readonly createdAt: string;
  readonly updatedAt: string;
}
