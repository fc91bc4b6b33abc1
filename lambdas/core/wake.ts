import { createHash } from 'node:crypto';
import type { Change } from './change';
import type { OutstandingTaskToken, TaskWait } from './ports';
import type { WakeCause } from './workflow-state';

/**
 * How the workflow's deploy waits end. Each is one `waitForTaskToken` task whose token is kept with
 * the change: a canary step's bake, a paused canary's hold, a look at a CodeDeploy deployment. Nothing
 * polls: a bake ends at its deadline (a one-time schedule) or at once when something recorded needs
 * the workflow (pause, promote, abort, an alarm's rollback); a CodeDeploy look comes at the next
 * shift its deployment config makes, or at once on the deployment's end (its EventBridge event).
 */

/** The deploy waits (the approval's wait ends by its decision: deliver-decision.ts). */
export type DeployWait = Exclude<TaskWait, 'approval'>;

/** Why a wait was ended (workflow-state.ts). */
export type { WakeCause } from './workflow-state';

/** What the workflow's wait receives when it ends (SendTaskSuccess output). Times ISO-8601. */
export interface WakeOutput {
  readonly changeId: string;
  readonly wait: DeployWait;
  readonly by: WakeCause;
  /** Since when it waited (a bake's start): with `by`, what the canary check counts as baked. */
  readonly since: string;
  readonly dueAt?: string;
}

/** How far ahead of its deadline a scheduler's wake still counts as the deadline (clocks of two services). */
export const DUE_TOLERANCE_MS = 1000;

/**
 * Why a deploy wait must end now, from what the change records (`undefined`: it keeps waiting). In
 * order: the change is gone or no longer deploying; a bake whose canary was paused or promoted; a
 * hold whose pause ended; any timed wait whose deadline passed (`toleranceMs` early at most).
 */
export function pendingWake(change: Change | undefined, token: OutstandingTaskToken, now: Date, toleranceMs = 0): WakeCause | undefined {
  if (token.wait === 'approval') return undefined;
  if (change?.status !== 'deploying') return 'stopped';
  const d = change.deployment;
  if (token.wait === 'bake') {
    if (d?.promoteRequested) return 'promote';
    if (d?.paused) return 'paused';
  }
  if (token.wait === 'resume') return d?.paused ? undefined : 'resumed';
  if (token.dueAt && Date.parse(token.dueAt) <= now.getTime() + toleranceMs) return 'due';
  return undefined;
}

/**
 * The seconds a bake has baked when its wait ended: all of the wait when its deadline came (the
 * scheduler never fires early) or it timed out; otherwise the time since it began, on the workflow's
 * clock (`timeScale` × the wall clock: the local runtime runs `speed` times faster), at most the wait.
 * @param waitSeconds - how long the bake's wait was to last, in s
 */
export function bakedBy(wake: Pick<WakeOutput, 'by' | 'since'>, waitSeconds: number, now: Date, timeScale = 1): number {
  if (wake.by === 'due' || wake.by === 'timeout') return waitSeconds;
  const elapsed = ((now.getTime() - Date.parse(wake.since)) / 1000) * timeScale;
  return Math.max(0, Math.min(waitSeconds, elapsed));
}

/** The deadline of a wait of `seconds` on the workflow's clock, from `now` (ISO-8601). */
export function deadline(now: Date, seconds: number, timeScale = 1): string {
  return new Date(now.getTime() + (seconds * 1000) / timeScale).toISOString();
}

/** Which wait this is: a digest of the workflow's state as it entered the wait (the same state entered again after a restart has the same key). */
export function waitKey(wait: DeployWait, state: unknown): string {
  return `${wait.slice(0, 1)}${createHash('sha256').update(JSON.stringify(state)).digest('hex').slice(0, 16)}`;
}

/** The name of a wait's one-time schedule: `<changeId>.<key>` — or a digest of both when that is no schedule name (1–64 of `[0-9a-zA-Z-_.]`). */
export function wakeScheduleName(changeId: string, key: string): string {
  const name = `${changeId}.${key}`;
  return /^[0-9a-zA-Z-_.]{1,64}$/.test(name) ? name : `cmv-${createHash('sha256').update(name).digest('hex').slice(0, 40)}`;
}
