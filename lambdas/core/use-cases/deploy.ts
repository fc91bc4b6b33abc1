import type { LedgerActor } from '../actor';
import { checkStep, historyWithRollback, observe, routeForWeight } from '../canary';
import { judgeHealth } from '../canary-health';
import { canaryReport, canaryReportSha256 } from '../canary-report';
import type { CanaryStepRecord, Change, DeploymentRecord } from '../change';
import { DeploymentError, NotFoundError, TargetBusyError } from '../errors';
import type { VersionStats } from '../observations';
import type { StoreWrite } from '../ports';
import { DEFAULT_STRATEGY } from '../strategies/names';
import { aliasMovedByStrategy, strategyOf } from '../strategies/registry';
import { type AliasRoute, routesAs, type Target } from '../target';
import { bakedBy } from '../wake';
import type { DeploymentState } from '../workflow-state';
import { verifyBundle } from './bundles';
import { codeToPublish, publishSigned } from './code-signing';
import { loadTarget, requireDeployment } from './deployment-records';
import { loadChange, recordChange } from './record-change';
import { type Services, WORKFLOW_ACTOR } from './services';
import { syncAlias } from './sync-alias';
import { onChangeTarget, onTarget } from './target-services';
import { releaseWarmCapacitySoon, warmReleaseAfter } from './warm-capacity';

/**
 * The progressive deployment of a change on a Lambda alias with weighted routing:
 * start (publish the version, arm the alarm, lock the target) → for each step: shift → bake →
 * check → finally promote, or roll back. Each step is a workflow task; the state passed between
 * them is `DeploymentState`.
 */

/** What the workflow carries between deploy steps (workflow-state.ts). */
export type { DeploymentState } from '../workflow-state';

export { loadTarget, requireDeployment } from './deployment-records';

/**
 * Starts the deployment in two recorded steps. First the change moves to `deploying` and takes the
 * target's lock in the same transaction (conditioned on the target's revision: of two changes racing,
 * one wins and the other gets TargetBusy). Then it publishes the version — code and config, with
 * Lambda checking the code hash against the artifact's — arms the error-rate alarm on that version,
 * and records `VersionPublished`. A retry resumes after whichever step was recorded.
 * @throws TargetBusyError when another change is deploying to the target (the workflow waits and retries)
 * Before all that (until the version is published) the version's bundle is verified: a fault is
 * recorded (`BundleVerificationFailed`) and refused before anything moves. With a code signer, the
 * code published is the artifact signed by AWS Signer (code-signing.ts: the job recorded on the
 * version first), and Lambda itself checks its signature.
 * @throws CodeSigningError when the signing job failed or Lambda refused the signed code (the workflow fails the change)
 * @throws CodeSigningInProgressError when the signing job is still running (the workflow retries)
 * @throws DeploymentError when the published code does not match the artifact
 * @throws BundleVerificationError when the version's bundle does not verify (the workflow fails the change)
 */
export async function startDeployment(svc: Services, changeId: string): Promise<DeploymentState> {
  await verifyBeforePublish(svc, changeId);
  const locked = await recordChange(svc, changeId, WORKFLOW_ACTOR, async (c) => {
    if (c.status !== 'awaiting_approval' && c.status !== 'scheduled') return undefined;
    const target = await loadTarget(svc, c.target);
    if (target.deployingChangeId && target.deployingChangeId !== changeId) {
      throw new TargetBusyError(`change ${target.deployingChangeId} is already deploying to ${target.name}`);
    }
    const alias = await onTarget(svc, target, changeId).functions.getAlias(target.functionName, target.alias);
    // The policy plan already merged the change request's canary, the rule's and the target's.
    const { bakeSeconds, finalBakeSeconds, ramp, health } = c.plan.canary;
    const strategy = strategyOf(c.plan.strategy ?? DEFAULT_STRATEGY);
    strategy.requireAvailable(svc.settings);
    // CodeDeploy's application, groups and hooks are in CMV's account: it cannot move an alias in another.
    if (target.deployRoleArn && strategy.movesAliasItself)
      throw new DeploymentError(
        `the ${strategy.name} strategy deploys in CMV's own account only: target ${target.name} is deployed through its role ${target.deployRoleArn}`,
      );
    const start = strategy.start(c.plan);
    const deployment: DeploymentRecord = {
      strategy: strategy.name,
      functionName: target.functionName,
      alias: target.alias,
      fromVersion: target.liveVersion,
      fromFunctionVersion: alias.functionVersion,
      startedAt: svc.now().toISOString(),
      steps: start.steps,
      bakeSeconds,
      finalBakeSeconds: finalBakeSeconds ?? bakeSeconds,
      ...start.record,
      // Only CMV's own canary loop judges health (codedeploy shifts by its config, guarded by the alarms).
      ...(ramp && health && strategy.workflowMode === 'canary' ? { ramp, health } : {}),
      currentWeight: 0,
      history: [],
    };
    return {
      event: 'DeploymentStarted',
      patch: { deployment },
      details: { strategy: strategy.name, fromVersion: deployment.fromVersion, fromFunctionVersion: deployment.fromFunctionVersion, ...start.details },
      writes: [
        {
          kind: 'target',
          // A strategy that moves the alias itself (codedeploy) does so from here on: syncAlias leaves it alone until the change ends.
          record: { ...target, deployingChangeId: changeId, shiftedByCodeDeploy: strategy.movesAliasItself || undefined, updatedAt: svc.now().toISOString() },
          expectedRevision: target.revision,
        },
      ],
    };
  });
  const d = requireDeployment(locked.deployment, changeId);
  if (locked.status !== 'deploying') throw new DeploymentError(`change ${changeId} is ${locked.status}, not deploying`);
  const target = await loadTarget(svc, locked.target);
  const on = onTarget(svc, target, changeId);
  const record = await svc.store.getVersion(locked.target, locked.version);
  if (!record) throw new NotFoundError(`version ${locked.version} of ${locked.target} does not exist`);
  // The artifact as stored, or signed by AWS Signer for the target's code signing configuration (its job recorded on the version).
  const code = await codeToPublish(svc, record, changeId);
  // Publishing unchanged code and config returns the same version, so a retry publishes nothing new.
  const published = await publishSigned(svc, record, changeId, code, () =>
    on.functions.publish(target.functionName, code.zip, locked.config, code.sha256, `${target.name} ${locked.version} (${changeId})`),
  );
  const alarmNames = await on.alarms.armForVersion(target, published.functionVersion);
  await recordChange(svc, changeId, WORKFLOW_ACTOR, async (c) => {
    if (c.deployment?.toFunctionVersion) return undefined;
    const version = await svc.store.getVersion(c.target, c.version);
    if (!version) throw new NotFoundError(`version ${c.version} of ${c.target} does not exist`);
    return {
      event: 'VersionPublished',
      patch: { deployment: { ...requireDeployment(c.deployment, changeId), toFunctionVersion: published.functionVersion, alarmNames } },
      details: {
        functionVersion: published.functionVersion,
        codeSha256: published.codeSha256,
        alarms: alarmNames,
        ...(code.signingJobId ? { signingJobId: code.signingJobId } : {}),
      },
      writes: [{ kind: 'version', record: { ...version, functionVersion: published.functionVersion }, expectedRevision: version.revision }],
    };
  });
  // Alarm states older than this do not count against the change (the alarms were re-armed after it).
  return {
    strategy: d.strategy,
    mode: strategyOf(d.strategy).workflowMode,
    stepIndex: 0,
    steps: [...d.steps],
    alarmNames,
    startedAt: d.startedAt ?? locked.updatedAt,
    waitSeconds: 0,
  };
}

/**
 * Shifts the alias to the weight of step `stepIndex`: records the step and the target's new route
 * (one transaction, conditioned on the change's and the target's revisions), then moves the alias
 * to match (`syncAlias`, guarded by its RevisionId). Idempotent: a retry finding the weight already
 * recorded records nothing new and only finishes the move. A change no longer deploying (rolled
 * back by an alarm or /abort meanwhile) is left alone: decision `stopped`.
 */
export async function shiftTraffic(svc: Services, changeId: string, state: DeploymentState): Promise<DeploymentState> {
  const weight = state.steps[state.stepIndex];
  const after = await recordChange(svc, changeId, WORKFLOW_ACTOR, async (c) => {
    if (c.status !== 'deploying') return undefined;
    const d = requireDeployment(c.deployment, changeId);
    if (d.history.some((h) => h.weight === weight)) return undefined;
    const target = await lockedTarget(svc, c.target, changeId);
    const route = routeForWeight(weight, d.fromFunctionVersion, d.toFunctionVersion ?? '');
    return {
      event: 'TrafficShifted',
      patch: { deployment: { ...d, currentWeight: weight, history: [...d.history, { weight, at: svc.now().toISOString() }] } },
      details: { weight, step: state.stepIndex + 1, of: state.steps.length, route },
      writes: [{ kind: 'target', record: { ...target, route, updatedAt: svc.now().toISOString() }, expectedRevision: target.revision }],
    };
  });
  await syncAlias(svc, after.target);
  const { wake: _wake, ...rest } = state;
  if (after.status !== 'deploying') return { ...rest, decision: 'stopped', waitSeconds: 0 };
  // The step bakes its whole bake time in one wait (the last step: the final bake).
  const d = requireDeployment(after.deployment, changeId);
  const bake = state.stepIndex >= state.steps.length - 1 ? (d.finalBakeSeconds ?? d.bakeSeconds) : d.bakeSeconds;
  return { ...rest, decision: 'bake', waitSeconds: bake, bakedSeconds: 0 };
}

/**
 * The target a deploying change holds the lock of.
 * @throws DeploymentError when the target is locked by another change (or none)
 */
async function lockedTarget(svc: Services, name: string, changeId: string): Promise<Target> {
  const target = await loadTarget(svc, name);
  if (target.deployingChangeId !== changeId)
    throw new DeploymentError(`change ${changeId} does not hold the lock of ${name} (${target.deployingChangeId ?? 'none'} does)`);
  return target;
}

/**
 * Checks the canary when its bake's wait ended — at its deadline, or early when a pause, a promotion,
 * an abort or an alarm's rollback woke it: counts what the step baked (`bakedBy`: all of the wait at
 * its deadline, else the time waited on the workflow's clock), reads the alarms and the operator's
 * pause/promote and decides with `checkStep`. A decided step is recorded (`CanaryStepChecked`) with
 * what it observed: the split by executed version, requests, error rate and p99 of the old and new
 * versions, the alarm states, the decision and its reason.
 */
export async function checkCanary(svc: Services, changeId: string, input: DeploymentState): Promise<DeploymentState> {
  const { wake, ...state } = input;
  const on = await onChangeTarget(svc, changeId);
  const alarms = await on.alarms.describe(state.alarmNames);
  // A bake's wait that timed out (its hard cap) baked all of it, as one that came to its deadline.
  const woke = wake && 'Error' in wake ? { by: 'timeout' as const, since: '' } : wake;
  const baked = state.decision === 'bake' && woke ? bakedBy(woke, state.waitSeconds, svc.now(), svc.settings.timeScale) : 0;
  const bakedSeconds = (state.bakedSeconds ?? 0) + baked;
  let next: DeploymentState = state;
  await recordChange(svc, changeId, WORKFLOW_ACTOR, async (c) => {
    if (c.status !== 'deploying') {
      next = { ...state, decision: 'stopped', waitSeconds: 0 };
      return undefined;
    }
    const d = requireDeployment(c.deployment, changeId);
    const last = d.history[d.history.length - 1];
    if (!last) throw new DeploymentError(`change ${changeId} has no canary step to check`);
    const now = svc.now().toISOString();
    // A health-driven step is judged on what both versions served since its shift (read only once its bake is over).
    const bake = state.stepIndex >= d.steps.length - 1 ? (d.finalBakeSeconds ?? d.bakeSeconds) : d.bakeSeconds;
    const observed = d.health && bakedSeconds >= bake ? await observeStep(on, d, last.at, now) : undefined;
    const health = d.health && observed ? { check: judgeHealth(observed, d.health, last.weight), maxBakes: d.health.maxBakes } : undefined;
    const verdict = checkStep({
      deploymentStartedAt: d.startedAt ?? state.startedAt,
      steps: d.steps,
      stepIndex: state.stepIndex,
      bakedSeconds,
      bakeSeconds: d.bakeSeconds,
      finalBakeSeconds: d.finalBakeSeconds ?? d.bakeSeconds,
      alarms,
      paused: d.paused,
      promoteRequested: d.promoteRequested,
      health,
    });
    if (verdict.kind === 'bake') {
      next = { ...state, decision: 'bake', waitSeconds: verdict.waitSeconds, bakedSeconds };
      return undefined;
    }
    if (verdict.kind === 'paused') {
      next = { ...state, decision: 'paused', waitSeconds: 0, bakedSeconds };
      return undefined;
    }
    next = { ...state, stepIndex: verdict.nextStepIndex, decision: verdict.decision, waitSeconds: 0, bakedSeconds: 0 };
    if (last.decision) return undefined;
    const checked: CanaryStepRecord = {
      ...last,
      checkedAt: now,
      observed: observed ?? (await observeStep(on, d, last.at, now)),
      alarms: alarms.map((a) => ({ name: a.name, state: a.state })),
      ...(health ? { health: health.check } : {}),
      decision: verdict.decision,
      reason: verdict.reason,
    };
    return {
      event: 'CanaryStepChecked',
      patch: { deployment: { ...d, history: [...d.history.slice(0, -1), checked] } },
      details: {
        weight: last.weight,
        decision: verdict.decision,
        reason: verdict.reason,
        alarms: checked.alarms,
        observed: checked.observed,
        ...(checked.health ? { health: checked.health } : {}),
      },
    };
  });
  return next;
}

/** The old and new versions' stats over [from, to), or undefined when CMV has no metrics reader. */
async function observeStep(svc: Services, d: DeploymentRecord, from: string, to: string) {
  if (!svc.metrics || !d.toFunctionVersion) return undefined;
  const stats = await svc.metrics.versionStats(d.functionName, d.alias, [d.fromFunctionVersion, d.toFunctionVersion], new Date(from), new Date(to));
  const none: VersionStats = { requests: 0, errors: 0, throttles: 0, errorRatePercent: null, p99Ms: null };
  return observe(stats[d.fromFunctionVersion] ?? none, stats[d.toFunctionVersion] ?? none, from, to);
}

/**
 * After the last healthy bake: the new version is live alone; the target is unlocked. A move the
 * last shift recorded but did not finish (a crash) is finished first; then the alias must route to
 * the new version alone (for codedeploy: CodeDeploy put it there).
 * @throws DeploymentError when the alias does not point at the new version alone, or the change
 *   ended otherwise meanwhile (an /abort or an alarm's rollback committed first)
 */
export async function finalizeDeployment(svc: Services, changeId: string): Promise<Change> {
  const before = await loadChange(svc, changeId);
  if (before.status === 'deploying' && !aliasMovedByStrategy(before.deployment)) await syncAlias(svc, before.target);
  const after = await recordChange(svc, changeId, WORKFLOW_ACTOR, async (c) => {
    if (c.status !== 'deploying') return undefined;
    const d = requireDeployment(c.deployment, changeId);
    const target = await lockedTarget(svc, c.target, changeId);
    const alias = await onTarget(svc, target, changeId).functions.getAlias(d.functionName, d.alias);
    const to = d.toFunctionVersion ?? '';
    if (!routesAs(alias, { functionVersion: to })) throw new DeploymentError(`alias ${d.alias} does not point at version ${to} alone`);
    return {
      event: 'ChangeDeployed',
      patch: { deployment: { ...d, outcome: 'deployed', currentWeight: 100, endedAt: svc.now().toISOString() } },
      details: { version: c.version, functionVersion: to, previous: d.fromVersion },
      detailsOf: attestCanaryReport,
      writes: [
        {
          kind: 'target',
          record: {
            ...target,
            liveVersion: c.version,
            liveFunctionVersion: to,
            route: { functionVersion: to },
            warmRelease: warmReleaseAfter(target, c, 'deployed'),
            shiftedByCodeDeploy: undefined,
            deployingChangeId: undefined,
            updatedAt: svc.now().toISOString(),
          },
          expectedRevision: target.revision,
        },
      ],
    };
  });
  await syncAlias(svc, after.target);
  // blue-green: the old version stayed warm through the bake; now it is released.
  await releaseWarmCapacitySoon(svc, after.target);
  // An /abort or an alarm that committed first wins: the workflow must end as the record says, not as deployed.
  if (after.status !== 'deployed') throw new DeploymentError(`change ${changeId} is ${after.status}: it was not promoted`);
  return after;
}

/** Who or what rolled a change back, for the ledger: the workflow, an operator's /abort, or an alarm. */
export interface RollbackTrigger {
  /** The operator (with their roles and request origin), or a system actor's name. */
  readonly actor: LedgerActor;
  readonly kind: 'workflow' | 'operator' | 'alarm' | 'codedeploy';
  /** For an alarm: its name and the ISO-8601 time it went to ALARM. */
  readonly alarm?: { readonly name: string; readonly at: string };
  /** For CodeDeploy ending the deployment: its error code (e.g. `ALARM_ACTIVE`, `HOOK_EXECUTION_FAILURE`), which names the cause. */
  readonly codeDeployError?: string;
}

/**
 * Puts the alias back on the previous version alone (its code and config, as published) and
 * records `rolled_back` with the reason: the change, the target's route back on the previous version
 * and its unlock commit first (one transaction), then the alias is moved to match (`syncAlias`), so
 * it is back when this returns — and a shift racing with it cannot leave the alias on the new
 * version (the later commit wins, see syncAlias). A change that failed before any traffic moved is
 * recorded as `failed` instead. A change no longer deploying is not recorded again (a second
 * rollback only finishes the move).
 * @returns the change as recorded
 */
export async function rollBack(
  svc: Services,
  changeId: string,
  reason: string,
  trigger: RollbackTrigger = { actor: WORKFLOW_ACTOR, kind: 'workflow' },
): Promise<Change> {
  const after = await recordChange(svc, changeId, trigger.actor, async (c) => {
    const target = await loadTarget(svc, c.target);
    const unlock = releaseTarget(svc, target, changeId);
    if (c.status === 'awaiting_approval' || c.status === 'scheduled') return { event: 'ChangeFailed', patch: { reason }, details: { reason }, writes: unlock };
    if (c.status !== 'deploying') return undefined;
    const d = requireDeployment(c.deployment, changeId);
    const restoredAt = svc.now().toISOString();
    const history = historyWithRollback(d.history, d.currentWeight, restoredAt, reason, trigger.alarm);
    return {
      event: 'ChangeRolledBack',
      patch: { deployment: { ...d, history, outcome: 'rolled_back', currentWeight: 0, reason, paused: undefined, endedAt: restoredAt }, reason },
      detailsOf: attestCanaryReport,
      details: {
        reason,
        trigger: trigger.kind,
        ...(trigger.alarm ? { alarm: trigger.alarm.name, alarmAt: trigger.alarm.at } : {}),
        ...(trigger.codeDeployError ? { codeDeployError: trigger.codeDeployError } : {}),
        restoredFunctionVersion: d.fromFunctionVersion,
        restoredVersion: d.fromVersion,
        restoredAt,
        atWeight: d.currentWeight,
      },
      writes: releaseTarget(svc, target, changeId, { functionVersion: d.fromFunctionVersion }, warmReleaseAfter(target, c, 'rolled_back')),
    };
  });
  await syncAlias(svc, after.target);
  await releaseWarmCapacitySoon(svc, after.target);
  return after;
}

/**
 * Records a workflow outcome that is not a deploy: approval expired, or an unexpected failure. A
 * change that failed while deploying also puts its target's route back on the previous version
 * (the safe side), and the alias follows.
 */
export async function recordFailure(svc: Services, changeId: string, outcome: 'expired' | 'failed', reason: string): Promise<void> {
  const after = await recordChange(svc, changeId, WORKFLOW_ACTOR, async (c) => {
    if (outcome === 'expired') return c.status === 'awaiting_approval' ? { event: 'ApprovalExpired', patch: { reason }, details: { reason } } : undefined;
    if (!['submitted', 'testing', 'awaiting_approval', 'scheduled', 'deploying'].includes(c.status)) return undefined;
    const target = await loadTarget(svc, c.target);
    const deploying = c.status === 'deploying' ? c.deployment : undefined;
    const from = deploying?.fromFunctionVersion;
    return {
      event: 'ChangeFailed',
      patch: deploying ? { reason, deployment: { ...deploying, paused: undefined, endedAt: svc.now().toISOString() } } : { reason },
      details: { reason },
      ...(deploying ? { detailsOf: attestCanaryReport } : {}),
      writes: releaseTarget(svc, target, changeId, from ? { functionVersion: from } : undefined, deploying ? warmReleaseAfter(target, c, 'failed') : undefined),
    };
  });
  if (outcome === 'failed' && after.deployment) {
    await syncAlias(svc, after.target);
    await releaseWarmCapacitySoon(svc, after.target);
  }
}

/**
 * What the entry ending a deployment records of its canary report: the SHA-256 of the report as it
 * stands at the end (fixed from then on: canary-report.ts), which an evidence pack's copy must have.
 */
const attestCanaryReport = (ended: Change) => ({ canaryReport: { sha256: canaryReportSha256(canaryReport(ended)) } });

/**
 * The write that releases the target's lock (and routes its alias to `route`, and records the
 * provisioned concurrency to release, `warmRelease`), when this change holds it (none otherwise).
 */
function releaseTarget(svc: Services, target: Target, changeId: string, route?: AliasRoute, warmRelease?: Target['warmRelease']): StoreWrite[] {
  if (target.deployingChangeId !== changeId) return [];
  const record: Target = {
    ...target,
    ...(warmRelease ? { warmRelease } : {}),
    deployingChangeId: undefined,
    shiftedByCodeDeploy: undefined,
    updatedAt: svc.now().toISOString(),
    ...(route ? { route } : {}),
  };
  return [{ kind: 'target', record, expectedRevision: target.revision }];
}

/** Verifies the change's version's bundle unless its version is published already (a retry after the publish). */
async function verifyBeforePublish(svc: Services, changeId: string): Promise<void> {
  const change = await svc.store.getChange(changeId);
  if (!change || !['awaiting_approval', 'scheduled', 'deploying'].includes(change.status) || change.deployment?.toFunctionVersion) return;
  const version = await svc.store.getVersion(change.target, change.version);
  if (!version) throw new NotFoundError(`version ${change.version} of ${change.target} does not exist`);
  await verifyBundle(svc, version, 'publish', { actor: WORKFLOW_ACTOR, changeId });
}
