import { aliasWeight, observe } from '../canary';
import type { CanaryStepRecord, Change } from '../change';
import { resolveDeploymentConfig, type TrafficRouting, trafficShifts } from '../deployment-config';
import { ConflictError, DeploymentError } from '../errors';
import { loadTarget, requireDeployment } from '../use-cases/deployment-records';
import { loadChange, recordChange } from '../use-cases/record-change';
import { type Services, WORKFLOW_ACTOR } from '../use-cases/services';
import { syncAlias } from '../use-cases/sync-alias';
import type { DeploymentStrategy } from './strategy';

/**
 * The codedeploy strategy: CodeDeploy shifts the alias (per its deployment config), watches the
 * target's alarms and runs CMV's lifecycle hooks (the smoke tests); CMV creates the deployment and
 * follows it (use-cases/code-deploy.ts; the workflow's `codedeploy` loop), records each shift it
 * sees, and stops it at once when an alarm fires or an operator aborts (CodeDeploy itself only
 * polls). CodeDeploy cannot pause or skip steps of a Lambda deployment: only abort is offered.
 */

const ENDED = ['Succeeded', 'Failed', 'Stopped'];

export const codeDeploy: DeploymentStrategy = {
  name: 'codedeploy',
  workflowMode: 'codedeploy',
  // Whether this deployment of CMV has CodeDeploy is a setting: StartDeployment calls no CodeDeploy API, so its function has no client.
  requireAvailable: (settings) => {
    if (!settings.codeDeploy) throw new DeploymentError('the codedeploy strategy is not available in this deployment of CMV');
  },
  start: (plan) => ({ steps: [], record: { deploymentConfig: plan.deploymentConfig }, details: { deploymentConfig: plan.deploymentConfig } }),
  // From StartDeployment on, CodeDeploy moves the alias, and syncAlias leaves it alone until the change ends.
  movesAliasItself: true,
  // A look at the deployment ends early on its end (GetDeployment), which its EventBridge event reports at once but only at best effort.
  endedOutsideCmv: async (svc, change, wait) => {
    const id = change.deployment?.codeDeployId;
    if (wait !== 'codedeploy' || !id || !svc.codeDeploy) return undefined;
    const { status } = await svc.codeDeploy.get(id);
    return ENDED.includes(status) ? 'codedeploy-ended' : undefined;
  },
  // The hook may run before CMV recorded the deployment's id: a codedeploy change without one is this deployment.
  acceptsLifecycleHook: (d, deploymentId) => (d.codeDeployId ?? deploymentId) === deploymentId,
  prepareAlarmRollback: async (svc, change, d, alarm) => {
    if (!d.codeDeployId || !svc.codeDeploy) return { none: `change ${change.changeId} has no CodeDeploy deployment yet` };
    // CodeDeploy may have shifted since the workflow last looked: the weight is the alias's — unless
    // CodeDeploy already rolled the alias back itself (it polls the same alarm), then the last one recorded.
    const live = d.toFunctionVersion ? aliasWeight(await svc.functions.getAlias(d.functionName, d.alias), d.toFunctionVersion) : 0;
    const weight = live > 0 ? live : d.currentWeight;
    // 0: CodeDeploy shifted and already rolled back before anyone recorded the weight it reached.
    const where = weight > 0 ? `at ${weight}%` : `during CodeDeploy deployment ${d.codeDeployId}`;
    // A shift the workflow has not looked at yet (it looks when the config's next shift is due) becomes the step the rollback closes.
    await recordCodeDeployShift(svc, change.changeId, live);
    return { reason: `alarm ${alarm.name} in ALARM ${where}: ${alarm.reason}`, action: 'stopped_codedeploy' };
  },
  // Recorded first (the reason, the route back on the previous version, the alias following), then
  // CodeDeploy's deployment is stopped with rollback and the alias synced again — so CodeDeploy's own
  // end (MANUAL_STOP) can never be recorded in the rollback's place.
  stopAfterRollback: async (svc, rolledBack) => {
    const id = rolledBack.deployment?.codeDeployId;
    if (id && svc.codeDeploy) await stopCodeDeployment(svc, rolledBack.target, id);
  },
  warmToRelease: () => [],
  rollbackTrigger: 'codedeploy',
  rollbackCause: ({ codeDeployError, smokeTestFailed }) => {
    if (smokeTestFailed) return { cause: 'codedeploy_hook', bySmokeTest: true };
    if (codeDeployError === 'ALARM_ACTIVE') return { cause: 'alarm', bySmokeTest: false };
    if (codeDeployError === 'HOOK_EXECUTION_FAILURE') return { cause: 'codedeploy_hook', bySmokeTest: false };
    return { cause: 'codedeploy', bySmokeTest: false };
  },
  controls: ['abort'],
  controlRefusal: (control, changeId) =>
    `CodeDeploy cannot ${control} a Lambda deployment: change ${changeId} deploys with the codedeploy strategy (abort it, or let it finish)`,
  describePlan: (plan) => `codedeploy ${plan.deploymentConfig ?? ''}`.trim(),
  deploymentConfigOf: (d) => d.deploymentConfig ?? null,
  progress: (d) => `codedeploy ${d.deploymentConfig ?? ''}, ${d.currentWeight}%`,
};

/**
 * CodeDeploy's client and CMV's CodeDeploy settings.
 * @throws DeploymentError when this deployment of CMV has no CodeDeploy
 */
export function codeDeployOf(svc: Services) {
  if (!svc.codeDeploy || !svc.settings.codeDeploy) throw new DeploymentError('the codedeploy strategy is not available in this deployment of CMV');
  return { client: svc.codeDeploy, settings: svc.settings.codeDeploy };
}

/** How the change's CodeDeploy deployment config shifts traffic (an unknown config: as all at once, looked at by its hook window). */
export async function routingOf(svc: Services, c: Change): Promise<TrafficRouting> {
  const target = await loadTarget(svc, c.target);
  try {
    return resolveDeploymentConfig(c.deployment?.deploymentConfig ?? target.codeDeploy.deploymentConfig, target.codeDeploy.customConfigs).routing;
  } catch {
    return { type: 'AllAtOnce' };
  }
}

/**
 * Records a shift CodeDeploy made that the workflow has not looked at yet — an alarm's handler saw the
 * alias at `weight` % before the workflow's next look; 0: the alias is back already, and the metrics
 * tell (`unseenFirstShift`) — as the step the canary's history then closes with the rollback. A
 * weight already recorded records nothing.
 */
export async function recordCodeDeployShift(svc: Services, changeId: string, weight: number): Promise<void> {
  const c = await loadChange(svc, changeId);
  const seen = weight > 0 ? weight : await unseenFirstShift(svc, c);
  if (c.status !== 'deploying' || !seen || seen <= (c.deployment?.currentWeight ?? 0)) return;
  await recordWeight(svc, changeId, seen, 'continue', `CodeDeploy shifted to ${seen}%`);
}

/**
 * The first weight of the deployment config, when no look saw a shift yet but the new version
 * served requests through the alias since the deployment started (its metrics): CodeDeploy shifted
 * and rolled back between two looks (its alarm polling, a failed hook after the shift). Only the
 * first shift is certain from that; undefined when nothing shows traffic moved.
 */
async function unseenFirstShift(svc: Services, c: Change): Promise<number | undefined> {
  const d = c.deployment;
  if (!d || d.history.length > 0 || !svc.metrics || !d.toFunctionVersion || !d.startedAt) return undefined;
  const stats = await svc.metrics.versionStats(d.functionName, d.alias, [d.toFunctionVersion], new Date(d.startedAt), svc.now());
  if (!((stats[d.toFunctionVersion]?.requests ?? 0) > 0)) return undefined;
  return trafficShifts(await routingOf(svc, c))[0]?.percent;
}

/** Records a newly seen weight as a step, closing the previous one with `decision`. */
export async function recordWeight(svc: Services, changeId: string, weight: number, decision: 'continue' | 'promote', reason: string): Promise<Change> {
  return recordChange(svc, changeId, WORKFLOW_ACTOR, async (c) => {
    const d = requireDeployment(c.deployment, changeId);
    const last = d.history[d.history.length - 1];
    const now = svc.now().toISOString();
    const alarms = d.alarmNames?.length ? (await svc.alarms.describe(d.alarmNames)).map((a) => ({ name: a.name, state: a.state })) : [];
    const observed = last && svc.metrics ? await observeOf(svc, c, last.at, now) : undefined;
    const closed: CanaryStepRecord[] = last && !last.decision ? [{ ...last, checkedAt: now, observed, alarms, decision, reason }] : last ? [last] : [];
    const history = [...d.history.slice(0, -1), ...closed];
    if (weight === d.currentWeight && last) {
      if (last.decision) return undefined;
      return { event: 'CanaryStepChecked', patch: { deployment: { ...d, history } }, details: { weight, decision, reason, alarms, observed } };
    }
    return {
      event: 'TrafficShifted',
      patch: { deployment: { ...d, currentWeight: weight, history: [...history, { weight, at: now }] } },
      details: { weight, observedFrom: 'CodeDeploy', deploymentId: d.codeDeployId },
    };
  });
}

async function observeOf(svc: Services, c: Change, from: string, to: string) {
  const d = requireDeployment(c.deployment, c.changeId);
  if (!svc.metrics || !d.toFunctionVersion) return undefined;
  const stats = await svc.metrics.versionStats(d.functionName, d.alias, [d.fromFunctionVersion, d.toFunctionVersion], new Date(from), new Date(to));
  const none = { requests: 0, errors: 0, throttles: 0, errorRatePercent: null, p99Ms: null };
  return observe(stats[d.fromFunctionVersion] ?? none, stats[d.toFunctionVersion] ?? none, from, to);
}

/**
 * Stops a CodeDeploy deployment whose change was already recorded rolled back (its target's route is
 * back on the previous version): StopDeployment with rollback — a deployment that already ended is
 * fine — then the alias is synced again, so a shift CodeDeploy made after the rollback's own sync
 * (it overtook it) is undone.
 */
export async function stopCodeDeployment(svc: Services, targetName: string, deploymentId: string): Promise<void> {
  const { client } = codeDeployOf(svc);
  const status = await client.get(deploymentId);
  if (!ENDED.includes(status.status)) {
    await client.stop(deploymentId).catch((err: Error) => {
      if (!(err instanceof ConflictError)) throw err;
    });
  }
  await syncAlias(svc, targetName);
}
