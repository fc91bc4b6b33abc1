import { alarmNamesFor } from '../alarm-definitions';
import { aliasWeight } from '../canary';
import { nextCodeDeployLook } from '../deployment-config';
import { DeploymentError } from '../errors';
import type { CodeDeploymentStatus } from '../ports';
import { codeDeployOf, recordCodeDeployShift, recordWeight, routingOf, stopCodeDeployment } from '../strategies/codedeploy';
import { strategyOf } from '../strategies/registry';
import { type DeploymentState, loadTarget, requireDeployment, rollBack } from './deploy';
import { loadChange, recordChange } from './record-change';
import { type Services, WORKFLOW_ACTOR } from './services';
import { requireSmokeTests } from './smoke-tests';
import { wakeWorkflow } from './wake';

/**
 * The codedeploy strategy: CodeDeploy shifts the alias (per its deployment config), watches the
 * target's alarms (named in each deployment) and runs CMV's BeforeAllowTraffic/AfterAllowTraffic hooks (the smoke
 * tests); CMV creates the deployment, follows it to its end and records each shift it sees, and
 * stops it at once when an alarm fires (CodeDeploy itself only polls). Following costs no polling:
 * between looks the workflow waits on a task token, woken by the deployment's end (its EventBridge
 * event, `codeDeployStateChanged`), or at the next shift its config makes (`nextCodeDeployLook`).
 */

/**
 * Creates the CodeDeploy deployment of a change (once: a retry finding its id records nothing) and
 * records `CodeDeployStarted`.
 * @throws DeploymentError when the change has no published version or CodeDeploy is not configured
 */
export async function createCodeDeployment(svc: Services, changeId: string, state: DeploymentState): Promise<DeploymentState> {
  const { client, settings } = codeDeployOf(svc);
  const c = await loadChange(svc, changeId);
  const d = requireDeployment(c.deployment, changeId);
  if (c.status !== 'deploying') return { ...state, decision: 'stopped', waitSeconds: 0 };
  const first = { ...state, decision: 'wait' as const, unchangedLooks: 0, waitSeconds: nextCodeDeployLook(await routingOf(svc, c), 0, 0) };
  if (d.codeDeployId) return first;
  if (!d.toFunctionVersion) throw new DeploymentError(`change ${changeId} has no published version`);
  const target = await loadTarget(svc, c.target);
  const deploymentConfig = d.deploymentConfig ?? target.codeDeploy.deploymentConfig;
  const deploymentId = await client.create({
    application: settings.application,
    deploymentGroup: target.name,
    deploymentConfig,
    functionName: d.functionName,
    alias: d.alias,
    currentVersion: d.fromFunctionVersion,
    targetVersion: d.toFunctionVersion,
    description: `CMV change ${changeId}: ${target.name} ${c.version}`,
    hooks: settings.hooks,
    // What StartDeployment armed, from the registered target: CodeDeploy watches these, not the group's own list.
    alarms: alarmNamesFor(target.name, target.alarms),
  });
  await recordChange(svc, changeId, WORKFLOW_ACTOR, (now) => {
    const current = requireDeployment(now.deployment, changeId);
    if (current.codeDeployId) return undefined;
    return {
      event: 'CodeDeployStarted',
      patch: { deployment: { ...current, codeDeployId: deploymentId } },
      details: { deploymentId, application: settings.application, deploymentGroup: target.name, deploymentConfig },
    };
  });
  return first;
}

/**
 * Follows a CodeDeploy deployment, at each look: records each new alias weight it sees as a step (`TrafficShifted`,
 * closing the previous step with `CanaryStepChecked`), and its end: Succeeded → `promote`;
 * Failed/Stopped → the alias is verified back on the previous version and `ChangeRolledBack` is
 * recorded with CodeDeploy's reason → `stopped`. Otherwise `wait` until the next look.
 */
export async function followCodeDeployment(svc: Services, changeId: string, input: DeploymentState): Promise<DeploymentState> {
  const { client } = codeDeployOf(svc);
  const { wake: _wake, ...state } = input;
  const c = await loadChange(svc, changeId);
  if (c.status !== 'deploying') {
    // Rolled back by /abort or an alarm: the record came first; if the stop that follows it was lost
    // (a crash), CodeDeploy is still shifting: stop it now.
    if (c.deployment?.codeDeployId && c.status === 'rolled_back') await stopCodeDeployment(svc, c.target, c.deployment.codeDeployId);
    return { ...state, decision: 'stopped', waitSeconds: 0 };
  }
  const d = requireDeployment(c.deployment, changeId);
  if (!d.codeDeployId || !d.toFunctionVersion) throw new DeploymentError(`change ${changeId} has no CodeDeploy deployment`);
  const status = await client.get(d.codeDeployId);
  const alias = await svc.functions.getAlias(d.functionName, d.alias);
  const weight = aliasWeight(alias, d.toFunctionVersion);
  if (status.status === 'Succeeded') {
    await recordWeight(svc, changeId, 100, 'promote', `CodeDeploy deployment ${d.codeDeployId} succeeded`);
    return { ...state, decision: 'promote', waitSeconds: 0 };
  }
  if (status.status === 'Failed' || status.status === 'Stopped') {
    await recordCodeDeployRollback(svc, changeId, status);
    return { ...state, decision: 'stopped', waitSeconds: 0 };
  }
  const shifted = weight > d.currentWeight;
  if (shifted) await recordWeight(svc, changeId, weight, 'continue', `CodeDeploy shifted to ${weight}%`);
  const unchangedLooks = shifted ? 0 : (state.unchangedLooks ?? 0) + 1;
  return {
    ...state,
    decision: 'wait',
    unchangedLooks,
    waitSeconds: nextCodeDeployLook(await routingOf(svc, c), Math.max(weight, d.currentWeight), unchangedLooks),
  };
}

/** A "CodeDeploy Deployment State-change Notification": the deployment and its new state (START, SUCCESS, FAILURE, STOP, READY). */
export interface CodeDeployStateChange {
  readonly deploymentId: string;
  readonly deploymentGroup: string;
  readonly state: string;
}

/**
 * A CodeDeploy deployment changed state (its EventBridge event): when it is the deploying change's
 * deployment of the group's target, that change's wait is woken, so the workflow follows its end at
 * once. Any other deployment (a rollback deployment, another application's) is left alone.
 * @returns the change woken, or undefined
 */
export async function codeDeployStateChanged(svc: Services, event: CodeDeployStateChange): Promise<string | undefined> {
  const changeId = (await svc.store.getTarget(event.deploymentGroup))?.deployingChangeId;
  const change = changeId ? await svc.store.getChange(changeId) : undefined;
  if (!change || change.deployment?.codeDeployId !== event.deploymentId) return undefined;
  return (await wakeWorkflow(svc, change.changeId, 'codedeploy-ended')) ? change.changeId : undefined;
}

/** CodeDeploy ended the deployment without success: make sure the alias is back, record the rollback. */
async function recordCodeDeployRollback(svc: Services, changeId: string, status: CodeDeploymentStatus): Promise<void> {
  // The alias is back on the previous version: a shift no look saw is known from the metrics only.
  await recordCodeDeployShift(svc, changeId, 0);
  const reason = `CodeDeploy deployment ${status.deploymentId} ${status.status.toLowerCase()}${status.error ? `: ${status.error.code}: ${status.error.message}` : ''}`;
  await rollBack(svc, changeId, reason, { actor: WORKFLOW_ACTOR, kind: 'codedeploy', ...(status.error ? { codeDeployError: status.error.code } : {}) });
}

/**
 * A CodeDeploy lifecycle hook (BeforeAllowTraffic / AfterAllowTraffic): finds the change deploying
 * to the deployment group's target, runs its smoke tests and reports the outcome to CodeDeploy. A
 * deployment that is not a CMV change (e.g. a CloudFormation update of the alias) fails its hook:
 * every change goes through CMV.
 * @returns the status reported
 */
export async function runDeploymentHook(
  svc: Services,
  phase: 'before-traffic' | 'after-traffic',
  deploymentId: string,
  hookExecutionId: string,
): Promise<'Succeeded' | 'Failed'> {
  const { client } = codeDeployOf(svc);
  let outcome: 'Succeeded' | 'Failed' = 'Failed';
  try {
    const status = await client.get(deploymentId);
    const target = await svc.store.getTarget(status.deploymentGroup);
    const changeId = target?.deployingChangeId;
    const change = changeId ? await svc.store.getChange(changeId) : undefined;
    // Only a change whose strategy runs CMV's hooks (and, once recorded, this deployment) is this deployment.
    const d = change?.status === 'deploying' ? change.deployment : undefined;
    if (changeId && d && strategyOf(d.strategy).acceptsLifecycleHook(d, deploymentId)) {
      await requireSmokeTests(svc, changeId, phase);
      outcome = 'Succeeded';
    }
  } finally {
    await client.putHookStatus(deploymentId, hookExecutionId, outcome);
  }
  return outcome;
}
