import type { Change, DeploymentRecord } from '../change';
import type { ChangePlan } from '../policy/change-plan';
import type { TaskWait } from '../ports';
import type { RollbackCause } from '../rollback-cause';
import type { Services } from '../use-cases/services';
import type { WakeCause, WorkflowMode } from '../workflow-state';
import type { StrategyName } from './names';

/**
 * A deployment strategy: how a change's new version reaches 100 % of its alias. Everything that
 * differs by strategy lives behind this interface, one module per strategy (alias-weights.ts,
 * codedeploy.ts, blue-green.ts), registered in registry.ts; the use cases, the reports and the CLI ask the
 * strategy, never compare its name.
 */

/** The operator controls, as the API paths name them (POST /changes/{id}/<control>). */
export const CONTROLS = ['pause', 'resume', 'promote', 'abort'] as const;
export type Control = (typeof CONTROLS)[number];

/** The strategy's part of a deployment as it starts: the record's steps and fields, and the `DeploymentStarted` details. */
export interface StartShape {
  /** The weights in % CMV shifts to, in order (none when another service shifts). */
  readonly steps: readonly number[];
  /** Fields of the deployment record only this strategy has or sets otherwise (its bake times). */
  readonly record: Partial<Pick<DeploymentRecord, 'deploymentConfig' | 'bakeSeconds' | 'finalBakeSeconds' | 'warmUp'>>;
  /** What the ledger's `DeploymentStarted` entry records of the plan. */
  readonly details: Readonly<Record<string, unknown>>;
}

/** What an alarm's rollback of a deploying change will be: its reason and outcome, or why it does nothing. */
export type AlarmRollbackPlan = { readonly reason: string; readonly action: 'rolled_back' | 'stopped_codedeploy' } | { readonly none: string };

/** An alarm that went to ALARM, as its event tells it. Times ISO-8601. */
export interface FiringAlarm {
  readonly name: string;
  readonly reason: string;
  readonly at: string;
}

/** The plan facts a report shows of a deployment (the canary report's fields). Weights in %, bake times in s. */
export interface PlanFacts {
  readonly deploymentConfig: string | null;
  readonly plannedSteps: readonly number[];
  readonly bakeSeconds: number | null;
  readonly finalBakeSeconds: number | null;
}

export interface DeploymentStrategy {
  readonly name: StrategyName;

  // ── Starting a deployment
  /** Which loop of the workflow deploys with it (the ASL's ChooseStrategy branches on it). */
  readonly workflowMode: WorkflowMode;
  /**
   * Refuses to start when this deployment of CMV cannot run it.
   * @throws DeploymentError naming what is missing
   */
  requireAvailable(settings: Services['settings']): void;
  /** Its part of the deployment record and ledger entry, from the change's plan. */
  start(plan: ChangePlan): StartShape;
  /** Whether a service of its own moves the alias while it deploys: CMV's alias sync then leaves the alias alone until the change ends. */
  readonly movesAliasItself: boolean;

  // ── Observing a step
  /**
   * Why an outstanding wait on a deploying change must end now beyond what the change records (its
   * own service's deployment ended), or undefined.
   */
  endedOutsideCmv(svc: Services, change: Change, wait: TaskWait): Promise<WakeCause | undefined>;
  /** Whether a CodeDeploy lifecycle hook of deployment `deploymentId` belongs to this deploying change. */
  acceptsLifecycleHook(d: DeploymentRecord, deploymentId: string): boolean;

  // ── Stopping, rolling back
  /**
   * Prepares an alarm's rollback of a deploying change: records what the alarm interrupted, and says
   * why the rollback happens — or why it does nothing (yet).
   */
  prepareAlarmRollback(svc: Services, change: Change, d: DeploymentRecord, alarm: FiringAlarm): Promise<AlarmRollbackPlan>;
  /** After a rollback was recorded (an alarm's, an operator's abort): stops whatever still shifts the alias. */
  stopAfterRollback(svc: Services, rolledBack: Change): Promise<void>;
  /**
   * The published versions whose provisioned concurrency the end of the deployment releases
   * (`outcome`: how it ended), recorded on the target with that end (`Target.warmRelease`).
   */
  warmToRelease(d: DeploymentRecord, outcome: 'deployed' | 'rolled_back' | 'failed'): readonly string[];
  /** The ledger's rollback `trigger` of this strategy's own service ending a deployment, if it has one. */
  readonly rollbackTrigger?: string;
  /** The compliance cause of a rollback recorded with {@link rollbackTrigger}, and whether the smoke test failure triggered it. */
  rollbackCause?(facts: { readonly codeDeployError?: string; readonly smokeTestFailed: boolean }): { cause: RollbackCause; bySmokeTest: boolean };

  // ── Operator controls
  /** The operator controls it allows while deploying. */
  readonly controls: readonly Control[];
  /** Why `control` is refused for change `changeId` (a 409's message), when it is not one of {@link controls}. */
  controlRefusal(control: Control, changeId: string): string;

  // ── Descriptions
  /** The "Strategy" line of the canary report (text and HTML). */
  describePlan(plan: PlanFacts): string;
  /** The deployment config the canary report names, or null. */
  deploymentConfigOf(d: DeploymentRecord): string | null;
  /** Where the deployment stands, for `cmv status` (e.g. `canary 10%, step 1/3`). */
  progress(d: DeploymentRecord): string;
}
