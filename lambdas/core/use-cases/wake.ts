import type { OutstandingTaskToken, WaitDeadline } from '../ports';
import { strategyOf } from '../strategies/registry';
import { type DeployWait, DUE_TOLERANCE_MS, deadline, pendingWake, type WakeCause, type WakeOutput, waitKey, wakeScheduleName } from '../wake';
import { isSpentToken } from './deliver-decision';
import type { Services } from './services';

/**
 * The workflow's deploy waits (see lambdas/core/wake.ts): each keeps its task token with the change;
 * whoever records something the workflow must act on sends it — after the record committed, so a
 * crash in between leaves a recorded reason and an outstanding token, which the sweep's reconciler
 * delivers (`wakeCause`): record first, then wake.
 */

/** A timed wait as the workflow enters it: how long it lasts on the workflow's clock, in s. */
export interface TimedWaitState {
  readonly waitSeconds: number;
}

/**
 * The workflow's Bake and AwaitCodeDeploy steps (waitForTaskToken): keeps the task token with the
 * change and its deadline (`waitSeconds` from now on the workflow's clock — or the deadline and start
 * it already had, when a restart enters the same wait again), then either wakes the workflow at once,
 * when something it must act on was recorded before the token was kept (a pause, an abort, the
 * deployment's end), or has the scheduler wake it at the deadline. A scheduler that fails is logged,
 * not fatal: the sweep delivers the wait once its deadline passed.
 */
export async function awaitWake(svc: Services, changeId: string, taskToken: string, wait: Exclude<DeployWait, 'resume'>, state: TimedWaitState): Promise<void> {
  const now = svc.now();
  const key = waitKey(wait, state);
  const earlier = await svc.store.getTaskToken(changeId);
  const due: WaitDeadline =
    earlier?.wait === wait && earlier.key === key && earlier.dueAt && earlier.since
      ? { dueAt: earlier.dueAt, since: earlier.since, key }
      : { dueAt: deadline(now, state.waitSeconds, svc.settings.timeScale), since: now.toISOString(), key };
  await svc.store.putTaskToken(changeId, taskToken, wait, due);
  const cause = await wakeCause(svc, { changeId, taskToken, wait, storedAt: now.toISOString(), ...due });
  if (cause) {
    await wakeWorkflow(svc, changeId, cause);
    return;
  }
  try {
    await svc.wakes.wakeAt(wakeScheduleName(changeId, key), new Date(due.dueAt), changeId);
  } catch (err) {
    console.error(
      JSON.stringify({
        level: 'ERROR',
        message: 'wake not scheduled: the sweep delivers it after its deadline',
        changeId,
        wait,
        dueAt: due.dueAt,
        error: String(err),
      }),
    );
  }
}

/**
 * The AwaitResume step (waitForTaskToken): keeps the task token with the change so that /resume,
 * /promote, /abort or an alarm can wake it; when the pause already ended (or the change stopped
 * deploying) before the token was kept, resumes at once.
 */
export async function awaitResume(svc: Services, changeId: string, taskToken: string): Promise<void> {
  const storedAt = svc.now().toISOString();
  await svc.store.putTaskToken(changeId, taskToken, 'resume');
  const cause = await wakeCause(svc, { changeId, taskToken, wait: 'resume', storedAt });
  if (cause) await wakeWorkflow(svc, changeId, cause);
}

/**
 * Ends the workflow's deploy wait on a change, if it is in one (not its approval): SendTaskSuccess
 * with a {@link WakeOutput}, then the token is marked spent. A token whose wait already ended (stale,
 * used, timed out) is not an error: the workflow is then not waiting there.
 * @returns whether a wait was outstanding
 */
export async function wakeWorkflow(svc: Services, changeId: string, by: WakeCause): Promise<boolean> {
  const token = await svc.store.getTaskToken(changeId);
  if (!token || token.wait === 'approval') return false;
  const output: WakeOutput = { changeId, wait: token.wait, by, since: token.since ?? token.storedAt, ...(token.dueAt ? { dueAt: token.dueAt } : {}) };
  try {
    await svc.workflow.resume(token.taskToken, { ...output });
  } catch (err) {
    if (!isSpentToken(err)) throw err;
  }
  await svc.store.spendTaskToken(changeId, token.taskToken);
  return true;
}

/**
 * The target of a wait's one-time schedule: wakes the change's wait when its deadline has come (an
 * earlier wait's schedule firing finds a later deadline, or no wait, and does nothing) or when
 * something recorded needs the workflow anyway.
 * @returns why it woke the wait, or undefined when it did not
 */
export async function deliverDueWake(svc: Services, changeId: string): Promise<WakeCause | undefined> {
  const token = await svc.store.getTaskToken(changeId);
  if (!token) return undefined;
  const cause = await wakeCause(svc, token, DUE_TOLERANCE_MS);
  if (cause) await wakeWorkflow(svc, changeId, cause);
  return cause;
}

/**
 * Why an outstanding deploy wait must end now (undefined: not yet): what the change records
 * (`pendingWake`), and what the change's strategy sees outside CMV (codedeploy: a look at a
 * deployment that ended, by GetDeployment, which its EventBridge event reports at once but only at best effort).
 */
export async function wakeCause(svc: Services, token: OutstandingTaskToken, toleranceMs = 0): Promise<WakeCause | undefined> {
  if (token.wait === 'approval') return undefined;
  const change = await svc.store.getChange(token.changeId);
  const cause = pendingWake(change, token, svc.now(), toleranceMs);
  if (cause || !change?.deployment) return cause;
  return strategyOf(change.deployment.strategy).endedOutsideCmv(svc, change, token.wait);
}
