import { ConflictError, NotFoundError } from '../errors';
import type { LedgerEntry } from '../ledger';
import type { FunctionHost } from '../ports';
import { type StoreWrite, WriteConflictError } from '../ports';
import { lastLiveTimes, versionsToRetire } from '../retention';
import { recordedRoute, type Target, type VersionRecord } from '../target';
import { DEFAULT_KEEP_DAYS } from '../target-settings';
import type { TargetEvent } from '../transitions';
import { type Services, WORKFLOW_ACTOR } from './services';
import { onTarget } from './target-services';

/** Attempts to mark the retired version records when a concurrent writer changed the target or one of them. */
const ATTEMPTS = 5;

/** Ledger entries per page read for the age rule. */
const LEDGER_PAGE = 200;

const DAY_MS = 86_400_000;

/** A Lambda version and the semantic versions of the target published as it (usually one). */
export interface RetiredVersionRef {
  readonly functionVersion: string;
  readonly versions: readonly string[];
}

/**
 * Retires the target's published Lambda versions beyond its retention (`Target.retention`), by the
 * rule of {@link versionsToRetire}: the newest `keepVersions`, every version last published or live
 * less than `keepDays` days ago (default 90), the live version, the last good version and every
 * version an alias of the function routes to (ListAliases: the target's alias, its recorded route,
 * and any other alias) stay published.
 *
 * The age of a version comes from CMV's own ledger, not from Lambda (whose LastModified is the
 * code's, not the publication's): the target's entries of the last `keepDays` days, read against
 * the clock (`svc.now()`), give each version's last publication or time live ({@link lastLiveTimes}).
 * A version that was live counts until the moment it was replaced (a deployment or an activation),
 * so a version live within the window stays re-activatable for the whole window.
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
 * Record first, then delete: one transaction marks the version records (`retiredAt`, so activate
 * refuses them), bumps the target's revision (so an activation that read the target before cannot
 * commit a version being deleted) and writes ONE ledger entry `VersionsRetired` with
 * `{retired, kept, keepVersions, keepDays, live, lastGood}`; then each version is deleted (Lambda's
 * DeleteFunction with a Qualifier). A crash between the two leaves versions marked retired but
 * still published: the next call deletes them without recording them again. A delete Lambda refuses
 * because an alias came to route to the version meanwhile leaves it published and marked (it can
 * no longer be activated; the next call tries again). Nothing to retire: nothing is written.
 * While a change deploys to the target it retires nothing: the next call after it ends does.
 * @param actor - who retires (the ledger entry's actor)
 * @returns the Lambda versions deleted by this call, oldest first
 * @throws NotFoundError (404) for an unknown target
 * @throws the Lambda error of a delete that failed for another reason than "in use" or "gone", after trying the others
 */
export async function retireVersions(svc: Services, targetName: string, actor: string = WORKFLOW_ACTOR): Promise<string[]> {
  const candidates = await markRetired(svc, targetName, actor);
  const deleted: string[] = [];
  let failure: unknown;
  for (const functionVersion of candidates.versions) {
    try {
      await candidates.functions.deleteVersion(candidates.functionName, functionVersion);
      deleted.push(functionVersion);
    } catch (err) {
      if (isGone(err)) deleted.push(functionVersion);
      else if (!isInUse(err)) failure ??= err;
    }
  }
  if (failure) throw failure;
  return deleted;
}

/**
 * Decides what to retire and records it (see {@link retireVersions}); re-reads and decides again
 * when a concurrent writer moved the target or a version record first.
 * @returns the function and its versions to delete (marked now or by an earlier, interrupted call)
 */
async function markRetired(svc: Services, targetName: string, actor: string): Promise<{ functionName: string; versions: string[]; functions: FunctionHost }> {
  for (let attempt = 1; ; attempt++) {
    const target = await svc.store.getTarget(targetName);
    if (!target) throw new NotFoundError(`target ${targetName} is not registered`);
    const { functions } = onTarget(svc, target, `retire-${target.name}`);
    if (target.deployingChangeId) return { functionName: target.functionName, versions: [], functions };
    const [aliasVersions, published, records] = await Promise.all([
      functions.aliasVersions(target.functionName),
      functions.listVersions(target.functionName),
      svc.store.listVersions(targetName),
    ]);
    const route = recordedRoute(target);
    const lastGood = await findLastGood(svc, target, records);
    const now = svc.now();
    const keepDays = target.retention.keepDays ?? DEFAULT_KEEP_DAYS;
    const candidates = versionsToRetire({
      published,
      aliasVersions: [...aliasVersions, route.functionVersion, ...(route.additionalVersion ? [route.additionalVersion] : [])],
      live: target.liveFunctionVersion,
      lastGood: lastGood?.functionVersion,
      keep: target.retention.keepVersions,
      keepDays,
      now,
      lastLiveAt: keepDays === 0 ? {} : lastLiveTimes(await entriesSince(svc, targetName, new Date(now.getTime() - keepDays * DAY_MS)), records),
    });
    const retiredAt = now.toISOString();
    const writes: StoreWrite[] = records
      .filter((r) => r.functionVersion && candidates.includes(r.functionVersion) && !r.retiredAt)
      .map((r) => ({ kind: 'version', record: { ...r, retiredAt }, expectedRevision: r.revision }));
    const unrecorded = candidates.filter((v) => !records.some((r) => r.functionVersion === v && r.retiredAt));
    if (unrecorded.length === 0) return { functionName: target.functionName, versions: candidates, functions };
    const refs = (versions: readonly string[]) => versions.map((v) => refOf(v, records));
    try {
      await svc.store.commit([...writes, { kind: 'target', record: { ...target, updatedAt: retiredAt }, expectedRevision: target.revision }], {
        type: 'VersionsRetired' satisfies TargetEvent,
        target: target.name,
        actor,
        details: {
          retired: refs(unrecorded),
          kept: refs(published.filter((v) => !candidates.includes(v))),
          keepVersions: target.retention.keepVersions,
          keepDays,
          live: { version: target.liveVersion, functionVersion: target.liveFunctionVersion },
          lastGood: lastGood ? { version: lastGood.version, functionVersion: lastGood.functionVersion } : null,
        },
      });
      return { functionName: target.functionName, versions: candidates, functions };
    } catch (err) {
      if (!(err instanceof WriteConflictError) || attempt >= ATTEMPTS) throw err;
    }
  }
}

/**
 * The target's ledger entries at or after `since`, possibly with some older ones: the query's pages
 * come newest first, so paging stops at the first page reaching back past `since`.
 */
async function entriesSince(svc: Services, targetName: string, since: Date): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  let nextToken: string | undefined;
  do {
    const page = await svc.ledger.query({ target: targetName, limit: LEDGER_PAGE, nextToken });
    entries.push(...page.items);
    nextToken = page.items.some((e) => Date.parse(e.time) < since.getTime()) ? undefined : page.nextToken;
  } while (nextToken);
  return entries;
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

function refOf(functionVersion: string, records: readonly VersionRecord[]): RetiredVersionRef {
  return { functionVersion, versions: records.filter((r) => r.functionVersion === functionVersion).map((r) => r.version) };
}

/** Lambda refuses to delete a version an alias routes to. */
function isInUse(err: unknown): boolean {
  return err instanceof ConflictError;
}

/** Someone else deleted the version first: it is retired all the same. */
function isGone(err: unknown): boolean {
  return err instanceof NotFoundError;
}
