import { type CanaryDecision, decideAfterBake, routeForWeight } from '../canary';
import type { DeploymentRecord } from '../change';
import { DeploymentError, NotFoundError, TargetBusyError } from '../errors';
import type { StoreWrite } from '../ports';
import type { Target } from '../target';
import { recordChange } from './record-change';
import { type Services, WORKFLOW_ACTOR } from './services';

/**
 * The progressive deployment of a change on a Lambda alias with weighted routing:
 * start (publish the version, arm the alarm, lock the target) → for each step: shift → bake →
 * check → finally promote, or roll back. Each step is a workflow task; the state passed between
 * them is `DeploymentState`.
 */

/** What the workflow carries between deploy steps. Weights in %, bake in s. */
export interface DeploymentState {
  readonly stepIndex: number;
  readonly steps: readonly number[];
  readonly bakeSeconds: number;
  readonly alarmNames: readonly string[];
  readonly startedAt: string;
  readonly decision?: CanaryDecision['decision'];
}

async function loadTarget(svc: Services, name: string): Promise<Target> {
  const target = await svc.store.getTarget(name);
  if (!target) throw new NotFoundError(`target ${name} is not registered`);
  return target;
}

/**
 * Starts the deployment in two recorded steps. First the change moves to `deploying` and takes the
 * target's lock in the same transaction (conditioned on the target's revision: of two changes racing,
 * one wins and the other gets TargetBusy). Then it publishes the version — code and config, with
 * Lambda checking the code hash against the artifact's — arms the error-rate alarm on that version,
 * and records `VersionPublished`. A retry resumes after whichever step was recorded.
 * @throws TargetBusyError when another change is deploying to the target (the workflow waits and retries)
 * @throws DeploymentError when the published code does not match the artifact
 */
export async function startDeployment(svc: Services, changeId: string): Promise<DeploymentState> {
  const locked = await recordChange(svc, changeId, WORKFLOW_ACTOR, async (c) => {
    if (c.status !== 'awaiting_approval' && c.status !== 'scheduled') return undefined;
    const target = await loadTarget(svc, c.target);
    if (target.deployingChangeId && target.deployingChangeId !== changeId) {
      throw new TargetBusyError(`change ${target.deployingChangeId} is already deploying to ${target.name}`);
    }
    const alias = await svc.functions.getAlias(target.functionName, target.alias);
    // The policy plan already merged the change request's canary, the rule's and the target's.
    const { steps, bakeSeconds } = c.plan.canary;
    const deployment: DeploymentRecord = {
      strategy: 'alias-weights',
      functionName: target.functionName,
      alias: target.alias,
      fromVersion: target.liveVersion,
      fromFunctionVersion: alias.functionVersion,
      steps,
      bakeSeconds,
      currentWeight: 0,
      history: [],
    };
    return {
      event: 'DeploymentStarted',
      patch: { deployment },
      details: { strategy: deployment.strategy, fromVersion: deployment.fromVersion, fromFunctionVersion: deployment.fromFunctionVersion, steps, bakeSeconds },
      writes: [{ kind: 'target', record: { ...target, deployingChangeId: changeId, updatedAt: svc.now().toISOString() }, expectedRevision: target.revision }],
    };
  });
  const d = requireDeployment(locked.deployment, changeId);
  if (locked.status !== 'deploying') throw new DeploymentError(`change ${changeId} is ${locked.status}, not deploying`);
  const target = await loadTarget(svc, locked.target);
  const zip = await svc.artifacts.read(locked.artifact.uri);
  // Publishing unchanged code and config returns the same version, so a retry publishes nothing new.
  const published = await svc.functions.publish(
    target.functionName,
    zip,
    locked.config,
    locked.artifact.sha256,
    `${target.name} ${locked.version} (${changeId})`,
  );
  const alarmNames = await svc.alarms.armForVersion(target, published.functionVersion);
  await recordChange(svc, changeId, WORKFLOW_ACTOR, async (c) => {
    if (c.deployment?.toFunctionVersion) return undefined;
    const version = await svc.store.getVersion(c.target, c.version);
    if (!version) throw new NotFoundError(`version ${c.version} of ${c.target} does not exist`);
    return {
      event: 'VersionPublished',
      patch: { deployment: { ...requireDeployment(c.deployment, changeId), toFunctionVersion: published.functionVersion } },
      details: { functionVersion: published.functionVersion, codeSha256: published.codeSha256, alarms: alarmNames },
      writes: [{ kind: 'version', record: { ...version, functionVersion: published.functionVersion }, expectedRevision: version.revision }],
    };
  });
  // Alarm states older than this do not count against the change (the alarm was re-armed after it).
  return { stepIndex: 0, steps: d.steps, bakeSeconds: d.bakeSeconds, alarmNames, startedAt: locked.updatedAt };
}

/**
 * Shifts the alias to the weight of step `stepIndex`, guarded by the alias's RevisionId.
 * Idempotent: a retry finding the weight already applied records nothing new.
 */
export async function shiftTraffic(svc: Services, changeId: string, state: DeploymentState): Promise<DeploymentState> {
  const weight = state.steps[state.stepIndex];
  await recordChange(svc, changeId, WORKFLOW_ACTOR, async (c) => {
    const d = requireDeployment(c.deployment, changeId);
    if (d.history.some((h) => h.weight === weight)) return undefined;
    const alias = await svc.functions.getAlias(d.functionName, d.alias);
    const route = routeForWeight(weight, d.fromFunctionVersion, d.toFunctionVersion ?? '');
    await svc.functions.updateAlias(d.functionName, d.alias, route, alias.revisionId);
    return {
      event: 'TrafficShifted',
      patch: { deployment: { ...d, currentWeight: weight, history: [...d.history, { weight, at: svc.now().toISOString() }] } },
      details: { weight, step: state.stepIndex + 1, of: state.steps.length, route },
    };
  });
  return { ...state, decision: undefined };
}

/** After a bake: reads the alarms and decides continue / promote / roll back (recorded on the step). */
export async function checkCanary(svc: Services, changeId: string, state: DeploymentState): Promise<DeploymentState> {
  const alarms = await svc.alarms.describe(state.alarmNames);
  const verdict = decideAfterBake(alarms, state.stepIndex, state.steps, state.startedAt);
  await recordChange(svc, changeId, WORKFLOW_ACTOR, (c) => {
    const d = requireDeployment(c.deployment, changeId);
    const last = d.history[d.history.length - 1];
    if (!last || last.decision) return undefined;
    const checked = { ...last, alarms: alarms.map((a) => ({ name: a.name, state: a.state })), decision: verdict.decision, reason: verdict.reason };
    return {
      event: 'CanaryStepChecked',
      patch: { deployment: { ...d, history: [...d.history.slice(0, -1), checked] } },
      details: { weight: last.weight, decision: verdict.decision, reason: verdict.reason, alarms: checked.alarms },
    };
  });
  return { ...state, stepIndex: verdict.decision === 'continue' ? state.stepIndex + 1 : state.stepIndex, decision: verdict.decision };
}

/** After the last healthy bake: the new version is live; the target is unlocked. */
export async function finalizeDeployment(svc: Services, changeId: string): Promise<void> {
  await recordChange(svc, changeId, WORKFLOW_ACTOR, async (c) => {
    if (c.status !== 'deploying') return undefined;
    const d = requireDeployment(c.deployment, changeId);
    const target = await loadTarget(svc, c.target);
    const alias = await svc.functions.getAlias(d.functionName, d.alias);
    if (alias.functionVersion !== d.toFunctionVersion || alias.additionalVersion) {
      throw new DeploymentError(`alias ${d.alias} does not point at version ${d.toFunctionVersion} alone`);
    }
    return {
      event: 'ChangeDeployed',
      patch: { deployment: { ...d, outcome: 'deployed', currentWeight: 100 } },
      details: { version: c.version, functionVersion: d.toFunctionVersion, previous: d.fromVersion },
      writes: [
        {
          kind: 'target',
          record: {
            ...target,
            liveVersion: c.version,
            liveFunctionVersion: d.toFunctionVersion ?? '',
            deployingChangeId: undefined,
            updatedAt: svc.now().toISOString(),
          },
          expectedRevision: target.revision,
        },
      ],
    };
  });
}

/**
 * Puts the alias back on the previous version alone (its code and config, as published) and
 * records `rolled_back` with the reason. Reads the alias first so that it wins over a half-done
 * shift. A change that failed before any traffic moved is recorded as `failed` instead.
 */
export async function rollBack(svc: Services, changeId: string, reason: string): Promise<void> {
  await recordChange(svc, changeId, WORKFLOW_ACTOR, async (c) => {
    const target = await loadTarget(svc, c.target);
    const unlock = releaseTarget(svc, target, changeId);
    if (c.status === 'awaiting_approval' || c.status === 'scheduled') return { event: 'ChangeFailed', patch: { reason }, details: { reason }, writes: unlock };
    if (c.status !== 'deploying') return undefined;
    const d = requireDeployment(c.deployment, changeId);
    const alias = await svc.functions.getAlias(d.functionName, d.alias);
    await svc.functions.updateAlias(d.functionName, d.alias, { functionVersion: d.fromFunctionVersion }, alias.revisionId);
    return {
      event: 'ChangeRolledBack',
      patch: { deployment: { ...d, outcome: 'rolled_back', currentWeight: 0, reason }, reason },
      details: { reason, restoredFunctionVersion: d.fromFunctionVersion, restoredVersion: d.fromVersion, atWeight: d.currentWeight },
      writes: unlock,
    };
  });
}

/** Records a workflow outcome that is not a deploy: approval expired, or an unexpected failure. */
export async function recordFailure(svc: Services, changeId: string, outcome: 'expired' | 'failed', reason: string): Promise<void> {
  await recordChange(svc, changeId, WORKFLOW_ACTOR, async (c) => {
    if (outcome === 'expired') return c.status === 'awaiting_approval' ? { event: 'ApprovalExpired', patch: { reason }, details: { reason } } : undefined;
    if (!['submitted', 'testing', 'awaiting_approval', 'scheduled', 'deploying'].includes(c.status)) return undefined;
    const target = await loadTarget(svc, c.target);
    return { event: 'ChangeFailed', patch: { reason }, details: { reason }, writes: releaseTarget(svc, target, changeId) };
  });
}

/** The write that releases the target's lock, when this change holds it (none otherwise). */
function releaseTarget(svc: Services, target: Target, changeId: string): StoreWrite[] {
  if (target.deployingChangeId !== changeId) return [];
  return [{ kind: 'target', record: { ...target, deployingChangeId: undefined, updatedAt: svc.now().toISOString() }, expectedRevision: target.revision }];
}

function requireDeployment(d: DeploymentRecord | undefined, changeId: string): DeploymentRecord {
  if (!d) throw new DeploymentError(`change ${changeId} has no deployment`);
  return d;
}
