import * as z from 'zod';
import { StrategyName } from './strategies/names';

/**
 * The change workflow's state, as the ASL (statemachines/change-lifecycle.asl.json) passes it from
 * task to task, defined once: the deploy steps return it, the task handlers parse it, the ASL's
 * Choices branch on its `mode` and `decision`, and the reports name the same decisions. Times
 * ISO-8601; durations in s on the workflow's clock.
 */

/**
 * What a deploy step decided, driving the ASL's Choices: `continue` (shift to step `stepIndex`),
 * `bake` (wait, then check), `paused` (wait for /resume), `promote`, `rollback`, `stopped` (already
 * rolled back, by an alarm or /abort), `wait` (CodeDeploy still running).
 */
export const DEPLOY_DECISIONS = ['continue', 'bake', 'paused', 'promote', 'rollback', 'stopped', 'wait'] as const;
export const DeployDecision = z.enum(DEPLOY_DECISIONS);
export type DeployDecision = z.infer<typeof DeployDecision>;

/** What a checked canary step decided (its record, the ledger's `CanaryStepChecked`, the reports). */
export const StepDecision = DeployDecision.extract(['continue', 'rollback', 'promote']);
export type StepDecision = z.infer<typeof StepDecision>;

/**
 * Which loop of the workflow deploys the change, chosen by its strategy (`workflowMode`): `canary`
 * (CMV shifts, bakes and checks: SmokeTestsBeforeTraffic → ShiftTraffic → Bake → CheckCanary) or
 * `codedeploy` (CreateCodeDeployment → AwaitCodeDeploy → FollowCodeDeployment) or `blue-green`
 * (WarmUp ⇄ AwaitWarmUp until the new version's provisioned concurrency is READY, then the canary
 * loop with one step at 100 %).
 */
export const WORKFLOW_MODES = ['canary', 'codedeploy', 'blue-green'] as const;
export const WorkflowMode = z.enum(WORKFLOW_MODES);
export type WorkflowMode = z.infer<typeof WorkflowMode>;

/**
 * Why a deploy wait was ended: `due` (its deadline came), `paused`, `promote`, `resumed`, `stopped`
 * (the change stopped deploying: rolled back, failed), `codedeploy-ended` (the deployment ended),
 * `timeout` (its hard cap).
 */
export const WAKE_CAUSES = ['due', 'paused', 'promote', 'resumed', 'stopped', 'codedeploy-ended', 'timeout'] as const;
export const WakeCause = z.enum(WAKE_CAUSES);
export type WakeCause = z.infer<typeof WakeCause>;

/** An error as the ASL `Catch` records it with ResultPath. */
export const CaughtError = z.object({ Error: z.string(), Cause: z.string().optional() });
export type CaughtError = z.infer<typeof CaughtError>;

/**
 * What the workflow carries between deploy steps (`$.deployment`). `waitSeconds` is how long the
 * next timed wait lasts at most (a bake: the bake time left; a CodeDeploy look: until its next
 * shift). `wake` is how the last wait ended (the ASL puts it there; a step's result drops it): the
 * wake's output, or the error the ASL caught (a timed-out wait).
 */
export const DeploymentState = z.object({
  strategy: StrategyName,
  /** Set by StartDeployment from the strategy; absent in states started before it existed (then: `canary`). */
  mode: WorkflowMode.optional(),
  stepIndex: z.number().int().min(0),
  steps: z.array(z.number()),
  alarmNames: z.array(z.string()),
  startedAt: z.string(),
  waitSeconds: z.number().min(0),
  /** How long the current step has baked, in s, on the workflow's clock (pauses excluded). */
  bakedSeconds: z.number().min(0).optional(),
  /** codedeploy: looks in a row that saw no new weight (the next look backs off). */
  unchangedLooks: z.number().int().min(0).optional(),
  decision: DeployDecision.optional(),
  wake: z.union([z.object({ by: WakeCause, since: z.string() }).loose(), CaughtError]).optional(),
});
export type DeploymentState = z.infer<typeof DeploymentState>;

/** The workflow's state as a whole (`$`): the change, and what each stage added under its ResultPath. */
export const WorkflowState = z
  .object({
    changeId: z.string().min(1),
    deployment: DeploymentState.optional(),
    error: CaughtError.optional(),
  })
  .loose();
export type WorkflowState = z.infer<typeof WorkflowState>;
