import { type CanaryDecision, decideAfterBake, routeForWeight } from '../canary';
import type { DeploymentRecord } from '../change';
import { ConflictError, DeploymentError, NotFoundError } from '../errors';
import type { Target } from '../target';
import { loadChange, recordChange } from './record-change';
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
 * Publishes the change's version (code and config, with Lambda checking the code hash against the
 * artifact's), arms the error-rate alarm on that version, locks the target (one deploying change
 * at a time) and moves the change to `deploying`.
 * @throws ConflictError when another change is deploying to the target
 * @throws DeploymentError when the published code does not match the artifact
 */
export async function startDeployment(svc: Services, changeId: string): Promise<DeploymentState> {
  const change = await loadChange(svc, changeId);
  const target = await loadTarget(svc, change.target);
  if (change.status === 'deploying' && change.deployment) return stateOf(change.deployment, target, 0, change.updatedAt);
  if (target.deployingChangeId && target.deployingChangeId !== changeId) {
    throw new ConflictError(`change ${target.deployingChangeId} is already deploying to ${target.name}`);
  }
  const zip = await svc.artifacts.read(change.artifact.uri);
  const published = await svc.functions.publish(
    target.functionName,
    zip,
    change.config,
    change.artifact.sha256,
    `${target.name} ${change.version} (${changeId})`,
  );
  const alarmNames = await svc.alarms.armForVersion(target, published.functionVersion);
  const alias = await svc.functions.getAlias(target.functionName, target.alias);
  // The policy plan already merged the change request's canary, the rule's and the target's.
  const plan = change.plan.canary;
  const version = await svc.store.getVersion(target.name, change.version);
  if (!version) throw new NotFoundError(`version ${change.version} of ${target.name} does not exist`);
  const deployment: DeploymentRecord = {
    strategy: 'alias-weights',
    functionName: target.functionName,
    alias: target.alias,
    fromVersion: target.liveVersion,
    fromFunctionVersion: alias.functionVersion,
    toFunctionVersion: published.functionVersion,
    steps: plan.steps,
    bakeSeconds: plan.bakeSeconds,
    currentWeight: 0,
    history: [],
  };
  const started = await recordChange(svc, changeId, WORKFLOW_ACTOR, (c) =>
    c.status !== 'awaiting_approval' && c.status !== 'scheduled'
      ? undefined
      : {
          event: 'DeploymentStarted',
          patch: { deployment },
          details: {
            strategy: deployment.strategy,
            fromFunctionVersion: deployment.fromFunctionVersion,
            toFunctionVersion: published.functionVersion,
            codeSha256: published.codeSha256,
            steps: plan.steps,
            bakeSeconds: plan.bakeSeconds,
          },
          writes: [
            { kind: 'target', record: { ...target, deployingChangeId: changeId, updatedAt: svc.now().toISOString() }, expectedRevision: target.revision },
            { kind: 'version', record: { ...version, functionVersion: published.functionVersion }, expectedRevision: version.revision },
          ],
        },
  );
  return { stepIndex: 0, steps: plan.steps, bakeSeconds: plan.bakeSeconds, alarmNames, startedAt: started.updatedAt };
}

function stateOf(d: DeploymentRecord, target: Target, stepIndex: number, startedAt: string): DeploymentState {
  return { stepIndex, steps: d.steps, bakeSeconds: d.bakeSeconds, alarmNames: [`cmv-${target.name}-error-rate`], startedAt };
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
    const unlock =
      target.deployingChangeId === changeId
        ? [
            {
              kind: 'target' as const,
              record: { ...target, deployingChangeId: undefined, updatedAt: svc.now().toISOString() },
              expectedRevision: target.revision,
            },
          ]
        : [];
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
    const writes =
      target.deployingChangeId === changeId
        ? [{ kind: 'target' as const, record: { ...target, deployingChangeId: undefined }, expectedRevision: target.revision }]
        : [];
    return { event: 'ChangeFailed', patch: { reason }, details: { reason }, writes };
  });
}

function requireDeployment(d: DeploymentRecord | undefined, changeId: string): DeploymentRecord {
  if (!d) throw new DeploymentError(`change ${changeId} has no deployment`);
  return d;
}
