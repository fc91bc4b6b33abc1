import { aliasWeight, firingAlarms } from '../canary';
import { recordCodeDeployShift, stopCodeDeployment } from './code-deploy';
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
 * already firing before it must not block an emergency fix). alias-weights: the alias goes back to
 * the previous version and the workflow is woken; codedeploy: the deployment is stopped and
 * CodeDeploy rolls back (the workflow records it).
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
  if (d.strategy === 'codedeploy') {
    if (!d.codeDeployId || !svc.codeDeploy) return { action: 'none', why: `change ${changeId} has no CodeDeploy deployment yet` };
    // CodeDeploy may have shifted since the workflow last looked: the weight is the alias's — unless
    // CodeDeploy already rolled the alias back itself (it polls the same alarm), then the last one recorded.
    const live = d.toFunctionVersion ? aliasWeight(await svc.functions.getAlias(d.functionName, d.alias), d.toFunctionVersion) : 0;
    const weight = live > 0 ? live : d.currentWeight;
    // 0: CodeDeploy shifted and already rolled back before anyone recorded the weight it reached.
    const where = weight > 0 ? `at ${weight}%` : `during CodeDeploy deployment ${d.codeDeployId}`;
    // A shift the workflow has not looked at yet (it looks when the config's next shift is due) becomes the step the rollback closes.
    await recordCodeDeployShift(svc, changeId, live);
    // Recorded first (the alarm as the reason, the route back on the previous version, the alias
    // following), then CodeDeploy's deployment is stopped with rollback and the alias synced again.
    const rolled = await rollBack(svc, changeId, `alarm ${change.alarmName} in ALARM ${where}: ${change.reason}`, trigger);
    await stopCodeDeployment(svc, rolled.target, d.codeDeployId);
    await wakeWorkflow(svc, changeId, 'stopped');
    return { action: 'stopped_codedeploy', changeId };
  }
  await rollBack(svc, changeId, `alarm ${change.alarmName} in ALARM at ${d.currentWeight}%: ${change.reason}`, trigger);
  await wakeWorkflow(svc, changeId, 'stopped');
  return { action: 'rolled_back', changeId };
}
