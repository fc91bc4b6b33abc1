import { ConflictError, NotFoundError } from '../errors';
import { type StoreWrite, WriteConflictError } from '../ports';
import { versionsToRetire } from '../retention';
import type { Target, VersionRecord } from '../target';
import type { TargetEvent } from '../transitions';
import { type Services, WORKFLOW_ACTOR } from './services';

/** Attempts to mark the retired version records when a concurrent writer changed one of them. */
const ATTEMPTS = 5;

/** A Lambda version and the semantic versions of the target published as it (usually one). */
export interface RetiredVersionRef {
  readonly functionVersion: string;
  readonly versions: readonly string[];
}

/**
 * Retires the target's published Lambda versions beyond its retention (`Target.retention.keepVersions`),
 * by the rule of {@link versionsToRetire}: the newest `keepVersions`, the live version, the last good
 * version and every version an alias routes to stay published.
 *
 * The last good version is the rollback target: the newest version by publication order (Lambda
 * version number) other than the live one that passed its tests, is still published, and proved
 * itself in production — its change reached `deployed`, or it has no change (the version registered
 * with the target). A version whose canary was rolled back passed its tests too, but it is not good.
 * After a successful deployment this is usually the version the deployment replaced (not when that
 * one was put live by activating a version older than the newest good one). It stays published,
 * so `POST /targets/{t}/versions/{v}/activate` moves the alias back at once; in AWS a published
 * version needs nothing more to stay callable (add provisioned concurrency to it to keep it warm);
 * the local Lambda keeps its worker thread running.
 *
 * Each retired version is deleted (Lambda's DeleteFunction with a Qualifier). A version Lambda
 * refuses to delete because an alias routes to it (another alias than the target's) is kept and the
 * others are still retired. Then one transaction marks the retired version records (`retiredAt`,
 * so activate refuses them) and writes ONE ledger entry `VersionsRetired` with
 * `{retired, kept, refused, keepVersions, live, lastGood}`. Nothing retired: nothing is written.
 * While a change deploys to the target it retires nothing: the next call after it ends does.
 * @param actor - who retires (the ledger entry's actor)
 * @returns the retired Lambda versions, oldest first
 * @throws NotFoundError (404) for an unknown target
 * @throws the Lambda error of a delete that failed for another reason, after recording the versions retired before it
 */
export async function retireVersions(svc: Services, targetName: string, actor: string = WORKFLOW_ACTOR): Promise<string[]> {
  const target = await svc.store.getTarget(targetName);
  if (!target) throw new NotFoundError(`target ${targetName} is not registered`);
  if (target.deployingChangeId) return [];
  const [alias, published, records] = await Promise.all([
    svc.functions.getAlias(target.functionName, target.alias),
    svc.functions.listVersions(target.functionName),
    svc.store.listVersions(targetName),
  ]);
  const lastGood = await findLastGood(svc, target, records);
  const candidates = versionsToRetire({
    published,
    aliasVersions: [alias.functionVersion, ...(alias.additionalVersion ? [alias.additionalVersion] : [])],
    live: target.liveFunctionVersion,
    lastGood: lastGood?.functionVersion,
    keep: target.retention.keepVersions,
  });

  const retired: string[] = [];
  const refused: { functionVersion: string; reason: string }[] = [];
  let failure: unknown;
  for (const functionVersion of candidates) {
    try {
      await svc.functions.deleteVersion(target.functionName, functionVersion);
      retired.push(functionVersion);
    } catch (err) {
      if (isInUse(err)) refused.push({ functionVersion, reason: (err as Error).message });
      else if (isGone(err)) retired.push(functionVersion);
      else {
        failure = err;
        break;
      }
    }
  }
  if (retired.length > 0) {
    const refs = (versions: readonly string[]) => versions.map((v) => refOf(v, records));
    await recordRetired(svc, target, retired, actor, {
      retired: refs(retired),
      kept: refs(published.filter((v) => !retired.includes(v))),
      refused,
      keepVersions: target.retention.keepVersions,
      live: { version: target.liveVersion, functionVersion: target.liveFunctionVersion },
      lastGood: lastGood ? { version: lastGood.version, functionVersion: lastGood.functionVersion } : null,
    });
  }
  if (failure) throw failure;
  return retired;
}

/** The last good version (see {@link retireVersions}), or undefined when no other version qualifies. */
async function findLastGood(svc: Services, target: Target, records: readonly VersionRecord[]): Promise<VersionRecord | undefined> {
  const candidates = records
    .filter((r) => r.testsPassed && r.functionVersion && !r.retiredAt && r.version !== target.liveVersion && r.functionVersion !== target.liveFunctionVersion)
    .sort((a, b) => Number(b.functionVersion) - Number(a.functionVersion));
  for (const record of candidates) {
    if (record.changeId === null) return record;
    if ((await svc.store.getChange(record.changeId))?.status === 'deployed') return record;
  }
  return undefined;
}

/**
 * Marks every record published as one of `retired` and writes the ledger entry, in one transaction.
 * Records are re-read when one changed meanwhile (its revision is the condition).
 */
async function recordRetired(svc: Services, target: Target, retired: readonly string[], actor: string, details: Record<string, unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const records = await svc.store.listVersions(target.name);
    const retiredAt = svc.now().toISOString();
    const writes: StoreWrite[] = records
      .filter((r) => r.functionVersion && retired.includes(r.functionVersion) && !r.retiredAt)
      .map((r) => ({ kind: 'version', record: { ...r, retiredAt }, expectedRevision: r.revision }));
    try {
      await svc.store.commit(writes, { type: 'VersionsRetired' satisfies TargetEvent, target: target.name, actor, details });
      return;
    } catch (err) {
      if (!(err instanceof WriteConflictError) || attempt >= ATTEMPTS) throw err;
    }
  }
}

function refOf(functionVersion: string, records: readonly VersionRecord[]): RetiredVersionRef {
  return { functionVersion, versions: records.filter((r) => r.functionVersion === functionVersion).map((r) => r.version) };
}

/** Lambda refuses to delete a version an alias routes to (ResourceConflictException). */
function isInUse(err: unknown): boolean {
  return err instanceof ConflictError || (err as Error)?.name === 'ResourceConflictException';
}

/** Someone else deleted the version first: it is retired all the same. */
function isGone(err: unknown): boolean {
  return (err as Error)?.name === 'ResourceNotFoundException';
}
