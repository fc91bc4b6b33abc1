import type { Change } from '../change';
import { ConflictError, ForbiddenError } from '../errors';
import { strategyOf } from '../strategies/registry';
import type { Control } from '../strategies/strategy';
import { requireDeployment, rollBack } from './deploy';
import { loadChange, recordChange } from './record-change';
import type { Caller, Services } from './services';
import { wakeWorkflow } from './wake';

/**
 * Operator controls of a deploying change (POST /changes/{id}/pause, /resume, /promote, /abort).
 * Each needs the release_admin role and is one conditional write with its ledger entry, after which
 * the workflow's wait is woken (its bake ends early): pause and promote take effect at once, at the
 * canary check that follows; abort rolls the alias back in the request itself. Which controls a
 * change allows is its strategy's (codedeploy: only abort, which stops the deployment with rollback).
 */

/** The operator controls, as the API paths name them. */
export { CONTROLS, type Control } from '../strategies/strategy';

/**
 * Applies an operator control to a deploying change.
 * @param reason - why, for the ledger (default: "<control> by <caller>")
 * @returns the change as recorded
 * @throws ForbiddenError (403) without release_admin
 * @throws ConflictError (409) when the change is not deploying, the control does not apply to its
 *   strategy, the canary is already (not) paused, or it could no longer take effect: pause or promote
 *   after promotion was requested or once the last step decided to promote
 */
export async function controlDeployment(svc: Services, caller: Caller, changeId: string, control: Control, reason?: string): Promise<Change> {
  if (!caller.roles.includes('release_admin')) throw new ForbiddenError(`${control} needs the release_admin role`);
  const why = reason?.trim() || `${control} by ${caller.id}`;
  if (control === 'abort') return abort(svc, caller, changeId, why);
  const at = svc.now().toISOString();
  const changed = await recordChange(svc, changeId, caller, (c) => {
    const d = requireDeploying(c, control);
    const strategy = strategyOf(d.strategy);
    if (!strategy.controls.includes(control)) throw new ConflictError(strategy.controlRefusal(control, changeId));
    // A control that could no longer take effect is refused, not recorded: once promotion was requested
    // or the last step decided to promote, the canary goes to 100 % and ends whatever is asked.
    const promoting = d.history.at(-1)?.decision === 'promote';
    if (control === 'pause' || control === 'promote') {
      if (d.promoteRequested) {
        throw new ConflictError(
          `promotion of change ${changeId} was requested by ${d.promoteRequested.by}: it cannot be ${control === 'pause' ? 'paused' : 'promoted again'}`,
        );
      }
      if (promoting) throw new ConflictError(`change ${changeId} passed its last step and is being promoted: it can only be aborted`);
    }
    if (control === 'pause') {
      if (d.paused) throw new ConflictError(`change ${changeId} is already paused (by ${d.paused.by} at ${d.paused.at})`);
      return {
        event: 'DeploymentPaused',
        patch: { deployment: { ...d, paused: { by: caller.id, at, reason: why } } },
        details: { reason: why, weight: d.currentWeight },
      };
    }
    if (control === 'resume') {
      if (!d.paused) throw new ConflictError(`change ${changeId} is not paused`);
      return { event: 'DeploymentResumed', patch: { deployment: { ...d, paused: undefined } }, details: { reason: why, weight: d.currentWeight } };
    }
    return {
      event: 'PromotionRequested',
      patch: { deployment: { ...d, paused: undefined, promoteRequested: { by: caller.id, at, reason: why } } },
      details: { reason: why, weight: d.currentWeight },
    };
  });
  // Recorded first: a wake lost now (a crash) is delivered by the sweep, from the record.
  await wakeWorkflow(svc, changeId, control === 'pause' ? 'paused' : control === 'resume' ? 'resumed' : 'promote');
  return changed;
}

/**
 * Rolls back now, recorded first: the rollback with the operator's reason and the target's route back
 * on the previous version commit, the alias follows (syncAlias); then the strategy stops whatever
 * still shifts (codedeploy: StopDeployment with rollback, and the alias synced again) — so
 * CodeDeploy's own end (MANUAL_STOP) can never be recorded in the operator's place.
 */
async function abort(svc: Services, caller: Caller, changeId: string, reason: string): Promise<Change> {
  const c = await loadChange(svc, changeId);
  const d = requireDeploying(c, 'abort');
  const changed = await rollBack(svc, changeId, `aborted by ${caller.id}: ${reason}`, { actor: caller, kind: 'operator' });
  await strategyOf(d.strategy).stopAfterRollback(svc, changed);
  await wakeWorkflow(svc, changeId, 'stopped');
  return changed;
}

function requireDeploying(c: Change, control: Control) {
  if (c.status !== 'deploying') throw new ConflictError(`cannot ${control} change ${c.changeId}: it is ${c.status}, not deploying`);
  return requireDeployment(c.deployment, c.changeId);
}
