import type { ChangeStatus } from './change';
import { ConflictError } from './errors';

/**
 * The events that move a change, with the statuses each may start from and the status it leaves.
 * `to: 'same'` records something without changing status (a vote, a canary step).
 * Source: DESIGN.md "The lifecycle of one change"; every event is also the ledger entry's type.
 */
export const TRANSITIONS = {
  ChangeProposed: { from: [], to: 'submitted' },
  TestsStarted: { from: ['submitted'], to: 'testing' },
  TestsPassed: { from: ['testing'], to: 'same' },
  TestsFailed: { from: ['testing'], to: 'tests_failed' },
  // The policy rule requires no suites (e.g. documentation): no build runs.
  TestsNotRequired: { from: ['testing'], to: 'same' },
  // Only once the task token is stored may anyone vote: awaiting_approval starts here, not at TestsPassed.
  ApprovalRequested: { from: ['testing'], to: 'awaiting_approval' },
  ApprovalRecorded: { from: ['awaiting_approval'], to: 'same' },
  ChangeApproved: { from: ['awaiting_approval'], to: 'same' },
  ChangeRejected: { from: ['awaiting_approval'], to: 'rejected' },
  ApprovalExpired: { from: ['awaiting_approval'], to: 'expired' },
  DeploymentScheduled: { from: ['awaiting_approval'], to: 'scheduled' },
  DeploymentStarted: { from: ['awaiting_approval', 'scheduled'], to: 'deploying' },
  VersionPublished: { from: ['deploying'], to: 'same' },
  TrafficShifted: { from: ['deploying'], to: 'same' },
  // Emergency changes: tests deferred at intake, run once the deployment reached 100 %.
  TestsDeferred: { from: ['testing'], to: 'same' },
  DeferredTestsPassed: { from: ['deploying'], to: 'same' },
  CanaryStepChecked: { from: ['deploying'], to: 'same' },
  // codedeploy: the CodeDeploy deployment was created; its shifts are recorded as TrafficShifted.
  CodeDeployStarted: { from: ['deploying'], to: 'same' },
  // blue-green: the new version's provisioned concurrency requested (before Lambda is asked) and READY.
  ProvisionedConcurrencyRequested: { from: ['deploying'], to: 'same' },
  ProvisionedConcurrencyReady: { from: ['deploying'], to: 'same' },
  SmokeTestsPassed: { from: ['deploying'], to: 'same' },
  SmokeTestsFailed: { from: ['deploying'], to: 'same' },
  // Operator controls (release_admin): POST /changes/{id}/pause, /resume, /promote; /abort is ChangeRolledBack.
  DeploymentPaused: { from: ['deploying'], to: 'same' },
  DeploymentResumed: { from: ['deploying'], to: 'same' },
  PromotionRequested: { from: ['deploying'], to: 'same' },
  ChangeDeployed: { from: ['deploying'], to: 'deployed' },
  ChangeRolledBack: { from: ['deploying'], to: 'rolled_back' },
  // POST /changes/{id}/advance: the deployed change's version goes on to the next environment as a new change.
  ChangeAdvanced: { from: ['deployed'], to: 'same' },
  PostImplementationReviewRecorded: { from: ['deployed', 'rolled_back', 'failed'], to: 'same' },
  ChangeFailed: { from: ['submitted', 'testing', 'awaiting_approval', 'scheduled', 'deploying'], to: 'failed' },
} as const satisfies Record<string, { from: readonly ChangeStatus[]; to: ChangeStatus | 'same' }>;

export type ChangeEvent = keyof typeof TRANSITIONS;

/** Ledger entry types that are not change transitions. */
/** `ProvisionedConcurrencyReleased`: what an ended blue-green deployment left warm was released (the change had ended already). */
export type TargetEvent =
  | 'TargetRegistered'
  | 'VersionActivated'
  | 'VersionsRetired'
  | 'ProvisionedConcurrencyReleased'
  | 'BundleSigned'
  | 'BundleVerificationFailed'
  | 'CodeSigningStarted'
  | 'CodeSigningFailed';

/**
 * The status a change moves to on an event.
 * @throws ConflictError when the event is not allowed from `current`
 */
export function transition(current: ChangeStatus, event: ChangeEvent): ChangeStatus {
  const rule = TRANSITIONS[event];
  if (!(rule.from as readonly ChangeStatus[]).includes(current)) {
    throw new ConflictError(`cannot record ${event} for a change that is ${current}`);
  }
  return rule.to === 'same' ? current : rule.to;
}
