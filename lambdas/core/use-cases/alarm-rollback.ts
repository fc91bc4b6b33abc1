import { firingAlarms } from '../canary';
import { strategyOf } from '../strategies/registry';
import { loadTarget, rollBack } from './deploy';
import type { Services } from './services';
import { wakeWorkflow } from './wake';

/** An alarm's move to a new state, as the "CloudWatch Alarm State Change" event tells it. Times ISO-8601. */
export interface AlarmStateChange {
  readonly alarmName: string;
  readonly state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  readonly reason: string;
  readonly at: string;
}

/** What the alarm did: rolled a change back (or stopped its CodeDeploy deployment), or nothing and why. */
export type AlarmOutcome =
  | { readonly action: 'rolled_back' | 'stopped_codedeploy'; readonly changeId: string }
  | { readonly action: 'none'; readonly why: string };

/**
 * Event-driven rollback: an alarm of a target going to ALARM rolls back the change deploying to it
 * at once, without waiting for the bake to end. Only alarms that guard the deployment count (the
 * ones armed on its new version), and only a move to ALARM after the deployment started (an alarm
 * already firing before it must not block an emergency fix). The rollback is recorded and the alias
 * goes back to the previous version; the change's strategy prepares it (codedeploy: records the shift
 * CodeDeploy made) and stops what still shifts (codedeploy: the deployment); the workflow is woken.
 * When another writer ended the change first (an operator's abort between the read and the write),
 * the alarm records nothing and says so (`action: 'none'`).
 */
export async function rollBackOnAlarm(svc: Services, change: AlarmStateChange): Promise<AlarmOutcome> {
  if (change.state !== 'ALARM') return { action: 'none', why: `alarm ${change.alarmName} is ${change.state}` };
  const target = (await svc.store.listTargets()).filter((t) => change.alarmName.startsWith(`cmv-${t.name}-`)).sort((a, b) => b.name.length - a.name.length)[0];
  if (!target) return { action: 'none', why: `alarm ${change.alarmName} guards no registered target` };
  const changeId = (await loadTarget(svc, target.name)).deployingChangeId;
  if (!changeId) return { action: 'none', why: `no change is deploying to ${target.name}` };
  const c = await svc.store.getChange(changeId);
  const d = c?.deployment;
  if (c?.status !== 'deploying' || !d) return { action: 'none', why: `change ${changeId} is not deploying` };
  if (!d.alarmNames?.includes(change.alarmName)) return { action: 'none', why: `alarm ${change.alarmName} does not guard change ${changeId}` };
  const status = { name: change.alarmName, state: change.state, reason: change.reason, updatedAt: change.at };
  if (firingAlarms([status], d.startedAt ?? c.updatedAt).length === 0) {
    return { action: 'none', why: `alarm ${change.alarmName} went to ALARM before change ${changeId} started deploying` };
  }
  const trigger = { actor: `alarm:${change.alarmName}`, kind: 'alarm' as const, alarm: { name: change.alarmName, at: change.at } };
  const strategy = strategyOf(d.strategy);
  const plan = await strategy.prepareAlarmRollback(svc, c, d, { name: change.alarmName, reason: change.reason, at: change.at });
  if ('none' in plan) return { action: 'none', why: plan.none };
  // Recorded first (the alarm as the reason, the route back on the previous version, the alias
  // following), then whatever else still shifts is stopped, and the workflow woken.
  const rolled = await rollBack(svc, changeId, plan.reason, trigger);
  await strategy.stopAfterRollback(svc, rolled);
  await wakeWorkflow(svc, changeId, 'stopped');
  // Another writer (an operator's abort, the workflow, another alarm) may have ended it first: then this alarm recorded nothing.
  const byThisAlarm = rolled.deployment?.history.at(-1)?.alarms?.some((a) => a.name === change.alarmName) ?? false;
  if (!byThisAlarm)
    return { action: 'none', why: `change ${changeId} was ${rolled.status.replace('_', ' ')} before the alarm: ${rolled.reason ?? 'no reason recorded'}` };
  return { action: plan.action, changeId };
}
