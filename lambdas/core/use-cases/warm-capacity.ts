import type { Change } from '../change';
import { DeploymentError } from '../errors';
import { WriteConflictError } from '../ports';
import { strategyOf } from '../strategies/registry';
import { recordedRoute, type Target, type WarmRelease } from '../target';
import type { TargetEvent } from '../transitions';
import type { DeploymentState } from '../workflow-state';
import { loadTarget, requireDeployment } from './deployment-records';
import { loadChange, recordChange } from './record-change';
import { type Services, WORKFLOW_ACTOR } from './services';
import { onTarget } from './target-services';

/**
 * Provisioned concurrency of a blue-green deployment (strategies/blue-green.ts): the new version
 * warmed before the switch, and what the deployment's end leaves warm released after it. Both are
 * side effects outside DynamoDB, ordered with their records: the request is recorded before Lambda
 * is asked (a retry finds it and asks again, which Lambda takes as the same request), and a release
 * is recorded on the target with the entry that ends the deployment, then done, then recorded done
 * (the reconciler finishes one a crash interrupted).
 */

/** Attempts when another writer changes the target between a release's read and its record. */
const ATTEMPTS = 5;

/** Between two looks at an allocation in progress, in s on the workflow's clock. */
export const WARM_UP_LOOK_SECONDS = 10;
/** Lambda allocates in a minute or two; an allocation not READY after this many s (workflow's clock) fails the change. */
export const WARM_UP_TIMEOUT_SECONDS = 900;

/**
 * One look at the new version's warm-up (the workflow's WarmUp task): with no provisioned
 * concurrency planned, or once READY was recorded, `continue`. Otherwise it records the request
 * first (`ProvisionedConcurrencyRequested`), asks Lambda unless a config of that amount exists
 * already, and reads its status: READY is recorded (`ProvisionedConcurrencyReady`) and continues;
 * IN_PROGRESS waits {@link WARM_UP_LOOK_SECONDS} (`wait`). A change no longer deploying (an /abort,
 * an alarm) is left alone: `stopped`.
 * @throws DeploymentError when Lambda reports FAILED, or no READY within {@link WARM_UP_TIMEOUT_SECONDS}:
 *   the change fails (the workflow's RecordFailure), with no traffic switched
 * @throws ConflictError when Lambda refuses the request (the account's unreserved concurrency)
 */
export async function warmUp(svc: Services, changeId: string, input: DeploymentState): Promise<DeploymentState> {
  const { wake: _wake, ...state } = input;
  const stopped: DeploymentState = { ...state, decision: 'stopped', waitSeconds: 0 };
  const go: DeploymentState = { ...state, decision: 'continue', waitSeconds: 0 };
  const change = await loadChange(svc, changeId);
  if (change.status !== 'deploying') return stopped;
  const d = requireDeployment(change.deployment, changeId);
  const wanted = d.warmUp?.provisionedConcurrency;
  if (!wanted || d.warmUp?.readyAt) return go;
  const version = d.toFunctionVersion;
  if (!version) throw new DeploymentError(`change ${changeId} has no published version to warm up`);
  const requested = await recordChange(svc, changeId, WORKFLOW_ACTOR, (c) => {
    const cd = c.status === 'deploying' ? requireDeployment(c.deployment, changeId) : undefined;
    if (!cd || cd.warmUp?.requestedAt) return undefined;
    return {
      event: 'ProvisionedConcurrencyRequested',
      patch: { deployment: { ...cd, warmUp: { provisionedConcurrency: wanted, requestedAt: svc.now().toISOString() } } },
      details: { functionVersion: version, provisionedConcurrency: wanted },
    };
  });
  if (requested.status !== 'deploying') return stopped;
  const { functions } = onTarget(svc, await loadTarget(svc, change.target), changeId);
  const existing = await functions.getProvisionedConcurrency(d.functionName, version);
  const pc = existing?.requested === wanted ? existing : await functions.putProvisionedConcurrency(d.functionName, version, wanted);
  if (pc.status === 'FAILED') {
    throw new DeploymentError(`provisioned concurrency of version ${version} FAILED (${pc.reason ?? 'no reason given'}): no traffic was switched`);
  }
  if (pc.status === 'IN_PROGRESS') {
    const since = Date.parse(requested.deployment?.warmUp?.requestedAt ?? svc.now().toISOString());
    const waited = ((svc.now().getTime() - since) / 1000) * (svc.settings.timeScale ?? 1);
    if (waited > WARM_UP_TIMEOUT_SECONDS) {
      throw new DeploymentError(`provisioned concurrency of version ${version} was not READY within ${WARM_UP_TIMEOUT_SECONDS} s: no traffic was switched`);
    }
    return { ...state, decision: 'wait', waitSeconds: WARM_UP_LOOK_SECONDS };
  }
  const ready = await recordChange(svc, changeId, WORKFLOW_ACTOR, (c) => {
    const cd = c.status === 'deploying' ? requireDeployment(c.deployment, changeId) : undefined;
    if (!cd?.warmUp || cd.warmUp.readyAt) return undefined;
    return {
      event: 'ProvisionedConcurrencyReady',
      patch: { deployment: { ...cd, warmUp: { ...cd.warmUp, readyAt: svc.now().toISOString() } } },
      details: { functionVersion: version, provisionedConcurrency: pc.allocated },
    };
  });
  return ready.status === 'deploying' ? go : stopped;
}

/**
 * The target's `warmRelease` once the change ending its deployment with `outcome` recorded what its
 * strategy releases (none: the target's list as it is).
 */
export function warmReleaseAfter(target: Target, ended: Change, outcome: 'deployed' | 'rolled_back' | 'failed'): readonly WarmRelease[] | undefined {
  const d = ended.deployment;
  const versions = d ? strategyOf(d.strategy).warmToRelease(d, outcome) : [];
  const added = versions.map((functionVersion) => ({ changeId: ended.changeId, functionVersion }));
  const all = [...(target.warmRelease ?? []), ...added.filter((a) => !target.warmRelease?.some((w) => w.functionVersion === a.functionVersion))];
  return all.length ? all : undefined;
}

/**
 * Releases the provisioned concurrency a target's ended deployments left to release
 * (`Target.warmRelease`): DeleteProvisionedConcurrencyConfig (none there is fine), then one
 * `ProvisionedConcurrencyReleased` entry on the target's chain (naming the change that asked) with
 * the target's list shortened, in one transaction conditioned on the target's revision. A version
 * the target routes to again (activated since) is only taken off the list. Idempotent: a release
 * done but not recorded (a crash) is done again, finding none; one whose record lost a race with
 * another writer of the target is recorded again as it was done (`hadConfig` true).
 * @returns the function versions released
 */
export async function releaseWarmCapacity(svc: Services, targetName: string): Promise<string[]> {
  const released: string[] = [];
  // Versions whose config an attempt of this call deleted: a record that lost a race is written again
  // after a Delete that finds none, and must still say the config was there.
  const deleted = new Set<string>();
  for (let attempt = 1; ; attempt++) {
    const target = await svc.store.getTarget(targetName);
    const pending = target?.warmRelease?.[0];
    if (!target || !pending) return released;
    const routed = [recordedRoute(target).functionVersion, recordedRoute(target).additionalVersion];
    const inUse = routed.includes(pending.functionVersion);
    if (!inUse && (await onTarget(svc, target, pending.changeId).functions.deleteProvisionedConcurrency(target.functionName, pending.functionVersion)))
      deleted.add(pending.functionVersion);
    const hadConfig = !inUse && deleted.has(pending.functionVersion);
    const rest = target.warmRelease?.slice(1) ?? [];
    try {
      await svc.store.commit(
        [
          {
            kind: 'target',
            record: { ...target, warmRelease: rest.length ? rest : undefined, updatedAt: svc.now().toISOString() },
            expectedRevision: target.revision,
          },
        ],
        {
          type: 'ProvisionedConcurrencyReleased' satisfies TargetEvent,
          changeId: pending.changeId,
          target: target.name,
          actor: WORKFLOW_ACTOR,
          details: { functionVersion: pending.functionVersion, hadConfig, ...(inUse ? { kept: 'the target routes to it again' } : {}) },
        },
      );
      released.push(pending.functionVersion);
      attempt = 0;
    } catch (err) {
      // Another writer of the target (a release beside this one, a deployment starting): read it again.
      if (!(err instanceof WriteConflictError) || attempt >= ATTEMPTS) throw err;
    }
  }
}

/**
 * {@link releaseWarmCapacity} right after a deployment's end was recorded. A failure here must not
 * fail what already ended (a promotion, a rollback): the release stays on the target's record and
 * the reconciler's sweep does it.
 */
export async function releaseWarmCapacitySoon(svc: Services, targetName: string): Promise<void> {
  try {
    await releaseWarmCapacity(svc, targetName);
  } catch {
    // Left recorded on the target: reconcile() releases it on its next run.
  }
}
