import type { Change } from '../change';
import { WorkflowExistsError } from '../errors';
import { signBundle } from './bundles';
import { changesIn } from './changes-in';
import { deliverDecision } from './deliver-decision';
import { workflowInput } from './new-change';
import { type Services, WORKFLOW_ACTOR } from './services';
import { syncAlias } from './sync-alias';
import { wakeCause, wakeWorkflow } from './wake';
import { releaseWarmCapacity } from './warm-capacity';

/** What a reconciliation found out of step and put right, and what it could not. */
export interface Reconciliation {
  /** Changes recorded as submitted whose workflow was started here (the proposal's StartExecution never happened). */
  readonly workflowsStarted: readonly string[];
  /** Targets whose alias lagged behind their record and was moved to match it. */
  readonly aliasesMoved: readonly string[];
  /** `<target>:<version>` whose provisioned concurrency an ended deployment recorded to release and was released here. */
  readonly warmCapacityReleased: readonly string[];
  /** Changes whose recorded approval outcome was delivered to the waiting workflow. */
  readonly decisionsDelivered: readonly string[];
  /** Changes whose deploy wait (a bake, a hold, a CodeDeploy look) was woken: its deadline passed, or something it must act on was recorded. */
  readonly resumed: readonly string[];
  /** `<target>:<version>` of registered versions (no change made them) left unsigned — a crash after the registration committed, before it signed — and signed here. */
  readonly bundlesSigned: readonly string[];
  /** What failed (it is tried again on the next run). */
  readonly failures: readonly { readonly what: string; readonly error: string }[];
}

/**
 * Puts the outside world back in step with the records after a crash, a lost SendTaskSuccess or an
 * interrupted alias move — the records are the truth, the effects follow them:
 * - every change still `submitted` gets its workflow started (StartExecution is idempotent for the
 *   same name and input; an execution that already exists under the change's id is left alone);
 * - every target's alias is synced to its recorded route (`syncAlias`);
 * - every provisioned concurrency an ended blue-green deployment recorded to release is released
 *   (`releaseWarmCapacity`);
 * - every outstanding task token whose change records a decision the wait has not heard of is
 *   delivered: an approval outcome (`deliverDecision`); a deploy wait (a bake, a paused canary's
 *   hold, a CodeDeploy look) whose deadline passed or whose change was paused, promoted, resumed,
 *   rolled back, or whose CodeDeploy deployment ended (`wakeCause`) — the wake its scheduler, its
 *   operator or its alarm sent, if a crash or a failed call lost it;
 * - every registered version (one no change made: a target's first) without a bundle is signed
 *   (`signBundle`, which checks the stored code against the SHA-256 recorded at intake, as the
 *   registration would have): a crash after the registration committed and before it signed left it
 *   unsigned, and an unsigned version is refused where it would go live. A change's version is not
 *   signed here: its workflow's first step signs it.
 * Idempotent and safe to run beside the workflow (every delivery tolerates a spent token, every
 * alias move is RevisionId-guarded). Runs when the local runtime starts and with the scheduled
 * sweep (every 5 minutes in AWS).
 */
export async function reconcile(svc: Services): Promise<Reconciliation> {
  const workflowsStarted: string[] = [];
  const aliasesMoved: string[] = [];
  const warmCapacityReleased: string[] = [];
  const decisionsDelivered: string[] = [];
  const resumed: string[] = [];
  const bundlesSigned: string[] = [];
  const failures: { what: string; error: string }[] = [];
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      failures.push({ what, error: `${(err as Error).name}: ${(err as Error).message}` });
    }
  };
  for (const change of await submittedChanges(svc)) {
    await attempt(`workflow of change ${change.changeId}`, async () => {
      try {
        await svc.workflow.start(change.changeId, workflowInput(change));
        workflowsStarted.push(change.changeId);
      } catch (err) {
        if (!(err instanceof WorkflowExistsError)) throw err;
      }
    });
  }
  for (const target of await svc.store.listTargets()) {
    await attempt(`alias of ${target.name}`, async () => {
      if ((await syncAlias(svc, target.name)) === 'moved') aliasesMoved.push(target.name);
    });
    await attempt(`versions of ${target.name}`, async () => {
      for (const version of await unsignedRegisteredVersions(svc, target.name)) {
        await attempt(`bundle of ${target.name} ${version}`, async () => {
          await signBundle(svc, target.name, version, WORKFLOW_ACTOR);
          bundlesSigned.push(`${target.name}:${version}`);
        });
      }
    });
    if (target.warmRelease?.length) {
      await attempt(`provisioned concurrency of ${target.name}`, async () => {
        for (const version of await releaseWarmCapacity(svc, target.name)) warmCapacityReleased.push(`${target.name}:${version}`);
      });
    }
  }
  for (const token of await svc.store.listTaskTokens()) {
    await attempt(`${token.wait} wait of change ${token.changeId}`, async () => {
      const change = await svc.store.getChange(token.changeId);
      if (!change) return svc.store.spendTaskToken(token.changeId, token.taskToken);
      if (token.wait === 'approval') {
        if (await deliverDecision(svc, change, token.taskToken)) decisionsDelivered.push(change.changeId);
        return;
      }
      const cause = await wakeCause(svc, token);
      if (cause && (await wakeWorkflow(svc, change.changeId, cause))) resumed.push(change.changeId);
    });
  }
  return { workflowsStarted, aliasesMoved, warmCapacityReleased, decisionsDelivered, resumed, bundlesSigned, failures };
}

/** The target's registered versions (no change made them) that have no bundle: normally none. */
async function unsignedRegisteredVersions(svc: Services, target: string): Promise<string[]> {
  return (await svc.store.listVersions(target)).filter((v) => v.changeId === null && !v.bundle).map((v) => v.version);
}

/** Every change in `submitted`: normally none, as the workflow's first step moves a change to testing at once. */
async function submittedChanges(svc: Services): Promise<Change[]> {
  const changes: Change[] = [];
  for await (const change of changesIn(svc.store, 'submitted')) changes.push(change);
  return changes;
}
