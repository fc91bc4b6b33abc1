import { isDeepStrictEqual } from 'node:util';
import * as z from 'zod';
import { sha256Base64 } from '../artifact';
import { type Change, FINAL_STATUSES, type PromotedFrom, type PromotedTo } from '../change';
import { EnvironmentName, FunctionConfig, SemanticVersion } from '../change-request';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors';
import { promotionOf } from '../policy/change-policy';
import { planChange } from '../policy/plan';
import { carriedTests, deployedAt, describeWait, healthyWaitLeftMs, promotionRouteProblem } from '../promotion';
import type { Target } from '../target';
import { verifyBundle } from './bundles';
import { commitNewChange } from './new-change';
import { loadChange, recordChange } from './record-change';
import type { Caller, Services } from './services';
import { onTarget } from './target-services';

/** The body of POST /changes/{id}/advance. Unknown fields are rejected. */
export const AdvanceChangeRequest = z.strictObject({
  /** The environment to advance to: the next one after the change's own (its target's `promotesTo`), named as a confirmation. */
  environment: EnvironmentName,
  /** The version to create on the next environment's target; default: the source's version number. */
  version: SemanticVersion.optional(),
  /** The complete environment variables of the new version; default: the next target's live version's (its environment's own config). */
  config: FunctionConfig.optional(),
  /** Why it advances now, for the ledger. */
  reason: z.string().trim().max(2000).default(''),
});
export type AdvanceChangeRequest = z.infer<typeof AdvanceChangeRequest>;

/**
 * Advances a deployed change to the next environment (POST /changes/{id}/advance, `cmv advance`):
 * a new change request to the source target's `promotesTo` target with the SAME artifact — its bytes
 * read back and checked against the recorded SHA-256, never rebuilt — planned under the policy for
 * the next environment (its approvals, window and tests; the source's test evidence is carried in
 * `promotedFrom`). Two writes, intent first: `ChangeAdvanced` records `promotedTo` on the source
 * (conditioned on its revision: of two concurrent advances one wins, the other gets 409), then the
 * new change, its version and `ChangeProposed` (with `promotedFrom`) commit together and its workflow
 * starts. A crash between the two leaves `promotedTo` naming a change that does not exist: the next
 * advance of the source finishes that one. A source whose promoted change ended without being deployed
 * (rejected, expired, tests failed, rolled back, failed) may be advanced again.
 * @returns the new change
 * @throws ForbiddenError (403) without the requester role
 * @throws NotFoundError (404) when the change does not exist
 * @throws ValidationError (400) naming `environment` when it is not in the policy's promotion order
 * @throws ConflictError (409) when the change is not deployed, its version is no longer live, an alarm
 *   of its target is in ALARM, the policy's `requireHealthyHours` have not passed (the message says how
 *   long is left), `environment` is not the next one (its target's `promotesTo`), the next target runs
 *   this code and config already, `version` exists there, the policy cannot be met there, the artifact
 *   no longer matches its SHA-256, or the change was already advanced (to a change not ended undeployed)
 */
export async function advanceChange(svc: Services, caller: Caller, changeId: string, request: AdvanceChangeRequest): Promise<Change> {
  if (!caller.roles.includes('requester')) throw new ForbiddenError('advancing a change needs the requester role');
  const source = await loadChange(svc, changeId);
  if (source.promotedTo) {
    const promoted = await svc.store.getChange(source.promotedTo.changeId);
    // Recorded but never written (a crash between the two writes): finish it as recorded.
    if (!promoted) return finish(svc, caller, source, source.promotedTo, request);
    if (promoted.status === 'deployed' || !FINAL_STATUSES.has(promoted.status)) throw alreadyAdvanced(source, source.promotedTo, promoted.status);
  }
  const next = await prepare(svc, caller, source, request, request.version ?? source.version, true);
  const intent: PromotedTo = {
    changeId: svc.newId(),
    target: next.target.name,
    environment: next.target.environment,
    version: next.version,
    by: caller.id,
    at: svc.now().toISOString(),
  };
  await recordChange(svc, source.changeId, caller, (c) => {
    // Another advance recorded its intent since this one read the change: it won.
    if (c.promotedTo?.changeId !== source.promotedTo?.changeId) throw alreadyAdvanced(c, c.promotedTo as PromotedTo);
    return {
      event: 'ChangeAdvanced',
      patch: { promotedTo: intent },
      details: {
        toChangeId: intent.changeId,
        toTarget: intent.target,
        environment: intent.environment,
        version: intent.version,
        artifactSha256: source.artifact.sha256,
        ...(request.reason ? { reason: request.reason } : {}),
      },
    };
  });
  return create(svc, caller, source, intent, next);
}

/** The advance `intent` recorded on the source, written now: the checks passed when it was recorded. */
async function finish(svc: Services, caller: Caller, source: Change, intent: PromotedTo, request: AdvanceChangeRequest): Promise<Change> {
  if (request.environment !== intent.environment) throw alreadyAdvanced(source, intent, 'being written');
  return create(svc, caller, source, intent, await prepare(svc, caller, source, request, intent.version, false));
}

type Prepared = Awaited<ReturnType<typeof prepare>>;

/**
 * Everything the advance checks before it writes: the next environment, (with `checkSource`) that the
 * source is deployed, live and healthy long enough, the artifact's bytes against their SHA-256, the
 * version, that something changes there, and the plan under the next environment's policy.
 */
async function prepare(svc: Services, caller: Caller, source: Change, request: AdvanceChangeRequest, version: string, checkSource: boolean) {
  const policy = await svc.policy();
  const promotion = promotionOf(policy);
  const from = await svc.store.getTarget(source.target);
  if (!from) throw new NotFoundError(`target ${source.target} of change ${source.changeId} is not registered`);
  const target = await nextTarget(svc, promotion.order, from, request.environment);
  if (checkSource) await requireProven(svc, source, from, target.environment, promotion);

  const bytes = await svc.artifacts.read(source.artifact.uri);
  if (sha256Base64(bytes) !== source.artifact.sha256) {
    throw new ConflictError(
      `the artifact of change ${source.changeId} (${source.artifact.uri}) no longer has its recorded SHA-256 ${source.artifact.sha256}: it is not advanced`,
    );
  }
  // The signed bundle must still be what was signed (manifest, signature, files) before anything is recorded: 409 and a ledger entry otherwise.
  const sourceVersion = await svc.store.getVersion(source.target, source.version);
  if (!sourceVersion) throw new ConflictError(`version ${source.version} of ${source.target} (change ${source.changeId}) is not recorded: it is not advanced`);
  await verifyBundle(svc, sourceVersion, 'promote', { actor: caller, changeId: source.changeId });

  if (await svc.store.getVersion(target.name, version)) {
    throw new ConflictError(`version: ${version} already exists on ${target.name}; send another version to advance change ${source.changeId} as`);
  }
  const live = target.liveVersion ? await svc.store.getVersion(target.name, target.liveVersion) : undefined;
  const config = request.config ?? live?.config ?? source.config;
  if (live && live.artifact.sha256 === source.artifact.sha256 && isDeepStrictEqual(live.config, config)) {
    throw new ConflictError(`nothing changes: ${target.name} runs this code (SHA-256 ${live.artifact.sha256}) and config already, as version ${live.version}`);
  }
  const plan = planChange(
    policy,
    { changeType: source.changeType, riskLevel: source.riskLevel, environment: target.environment, requester: caller.id },
    target,
    await svc.directory.all(),
    svc.now(),
  );
  if (plan.approvals.unmet) throw new ConflictError(`the policy's approvals cannot be met in ${target.environment}: ${plan.approvals.unmet}`);
  const missing = plan.tests.filter((suite) => !target.testSuites[suite]);
  if (missing.length) {
    throw new ConflictError(`the policy (rule ${plan.policy.ruleId}) requires test suites ${target.name} does not have: ${missing.join(', ')}`);
  }
  return { from, target, version, bytes, config, plan, baseVersion: target.liveVersion };
}

/**
 * The target a change of `from` advances to in `environment`: its `promotesTo`, which must be of
 * exactly that environment — the next one, never a skip or a step back.
 * @throws ValidationError (400, `environment`) when the environment is not in the promotion order
 * @throws ConflictError (409) for any other environment than the next, or when `from` promotes nowhere
 */
async function nextTarget(svc: Services, order: readonly string[], from: Target, environment: string): Promise<Target> {
  if (!order.includes(environment)) {
    throw ValidationError.field('environment', `${environment} is not in the policy's promotion order (${order.join(' → ')})`);
  }
  const back = promotionRouteProblem(order, from.environment, environment);
  if (back) throw new ConflictError(`environment: change of ${from.name} cannot advance to ${environment}: ${back}`);
  const to = from.promotesTo ? await svc.store.getTarget(from.promotesTo) : undefined;
  if (!to)
    throw new ConflictError(
      `target ${from.name} (${from.environment}) promotes to no registered target: register it with promotesTo naming the target of the next environment`,
    );
  if (to.environment !== environment) {
    throw new ConflictError(
      `environment: ${from.name} (${from.environment}) advances to ${to.name} in ${to.environment}, one environment at a time, not to ${environment}`,
    );
  }
  const problem = promotionRouteProblem(order, from.environment, to.environment);
  if (problem) throw new ConflictError(`${from.name} cannot promote to ${to.name}: ${problem}`);
  return to;
}

/**
 * That the source proved itself: deployed, still the live version of its target, none of its alarms
 * in ALARM now, and deployed at least the policy's `requireHealthyHours` for `environment` ago.
 * @throws ConflictError (409) saying which is not so (and how long is left)
 */
async function requireProven(svc: Services, source: Change, from: Target, environment: string, promotion: ReturnType<typeof promotionOf>): Promise<void> {
  if (source.status !== 'deployed') throw new ConflictError(`change ${source.changeId} is ${source.status}: only a deployed change advances`);
  if (from.liveVersion !== source.version) {
    throw new ConflictError(
      `version ${source.version} of change ${source.changeId} is no longer live on ${from.name} (${from.liveVersion} is): only the live version advances`,
    );
  }
  const alarms = onTarget(svc, from, `advance-${source.changeId}`).alarms;
  const firing = (await alarms.describe(source.deployment?.alarmNames ?? [])).filter((a) => a.state === 'ALARM');
  if (firing.length) throw new ConflictError(`${from.name} is not healthy: alarm ${firing.map((a) => a.name).join(', ')} is in ALARM`);
  const since = deployedAt(source);
  const left = healthyWaitLeftMs(promotion, environment, since, svc.now());
  if (left > 0) {
    throw new ConflictError(
      `change ${source.changeId} was deployed in ${from.environment} at ${since}; the policy requires ${promotion.requireHealthyHours[environment]} h there before ${environment}: ${describeWait(left)} left`,
    );
  }
}

/** Writes the new change and its version with `ChangeProposed`, after the artifact's copy under the target, then starts its workflow. */
async function create(svc: Services, caller: Caller, source: Change, intent: PromotedTo, next: Prepared): Promise<Change> {
  const { from, target, version, bytes, config, plan, baseVersion } = next;
  const sha256 = source.artifact.sha256;
  // The same bytes under the next target's content address: the same SHA-256, never rebuilt.
  const uri = await svc.artifacts.write(`artifacts/${target.name}/${Buffer.from(sha256, 'base64').toString('hex')}.zip`, bytes, 'application/zip');
  const promotedFrom: PromotedFrom = {
    changeId: source.changeId,
    target: source.target,
    environment: from.environment,
    version: source.version,
    artifactSha256: sha256,
    deployedAt: deployedAt(source),
    ...(source.tests ? { tests: carriedTests(source) } : {}),
  };
  const now = svc.now().toISOString();
  const change: Change = {
    changeId: intent.changeId,
    target: target.name,
    version,
    baseVersion,
    status: 'submitted',
    revision: 1,
    title: source.title,
    description: source.description,
    changeType: source.changeType,
    riskLevel: source.riskLevel,
    requester: caller.id,
    source: { kind: 'artifact', uri: source.artifact.uri },
    artifact: { uri, sha256, bytes: bytes.byteLength },
    config,
    plan,
    approvals: [],
    promotedFrom,
    createdAt: now,
    updatedAt: now,
  };
  return commitNewChange(svc, caller, change, { promotedFrom }, () => alreadyAdvanced(source, intent, 'being written'));
}

function alreadyAdvanced(source: Pick<Change, 'changeId'>, to: PromotedTo, status?: string): ConflictError {
  return new ConflictError(
    `change ${source.changeId} was already advanced to ${to.environment} as change ${to.changeId} (${to.target} ${to.version}${status ? `, ${status}` : ''})`,
  );
}
