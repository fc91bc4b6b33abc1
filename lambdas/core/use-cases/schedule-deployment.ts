import { earliestStart } from '../policy/change-window';
import { recordChange } from './record-change';
import { type Services, WORKFLOW_ACTOR } from './services';

/** When the deployment may start, and whether the workflow waits for it. `startAt` is ISO-8601. */
export interface Schedule {
  readonly startAt: string;
  readonly wait: boolean;
}

/**
 * After approval: the earliest start inside the change's windows (from its plan) and outside the
 * policy's blackouts, from now. Later than now: the change is `scheduled` and the workflow waits
 * until then. Emergency (bypass): at once.
 */
export async function scheduleDeployment(svc: Services, changeId: string): Promise<Schedule> {
  const now = svc.now();
  let schedule: Schedule = { startAt: now.toISOString(), wait: false };
  const { blackouts } = await svc.policy();
  await recordChange(svc, changeId, WORKFLOW_ACTOR, (c) => {
    if (c.status === 'scheduled' && c.scheduledFor) {
      schedule = { startAt: c.scheduledFor, wait: c.scheduledFor > now.toISOString() };
      return undefined;
    }
    if (c.status !== 'awaiting_approval') return undefined;
    const { windows, timeZone, bypass } = c.plan.window;
    const start = earliestStart(now, windows, blackouts, timeZone, bypass);
    if (start.getTime() <= now.getTime()) return undefined;
    schedule = { startAt: start.toISOString(), wait: true };
    return {
      event: 'DeploymentScheduled',
      patch: { scheduledFor: schedule.startAt },
      details: { startAt: schedule.startAt, timeZone, windows },
    };
  });
  return schedule;
}
