import { NotFoundError, StaleAliasError } from '../errors';
import { recordedRoute, routesAs } from '../target';
import type { Services } from './services';
import { onTarget } from './target-services';

/** Attempts when another writer moves the alias between our GetAlias and UpdateAlias. */
const ATTEMPTS = 8;

/** What a sync did: the alias already routed as recorded, was moved to it, or is CodeDeploy's to move now. */
export type AliasSync = 'in-sync' | 'moved' | 'codedeploy';

/**
 * Makes a target's alias route as the target's record says (`Target.route`). This is the only way
 * CMV moves an alias, and always after the record and its ledger entry committed: record first,
 * then move. So a crash between the two leaves a record ahead of the alias, never an alias no
 * record explains, and the next sync (the reconciler's, or the next step's) finishes the move.
 *
 * The record is read after the alias, and the alias is always written (UpdateAlias with the
 * RevisionId read), even when it already routes as recorded: a write changes the alias's revision,
 * so any sync still holding an older record — one that read the alias before this commit — fails
 * on the stale RevisionId (StaleAliasError) and reads both again. Hence after the sync that follows
 * the last commit, the alias routes as that commit says, whatever order the syncs ran in.
 *
 * While CodeDeploy shifts the alias of a codedeploy change (`shiftedByCodeDeploy`) it does nothing.
 * @returns 'in-sync' (it already routed so), 'moved', or 'codedeploy'
 * @throws NotFoundError (404) when the target is not registered
 * @throws ConflictError when Lambda refuses the recorded route (e.g. its version was deleted outside
 *   CMV), or the alias keeps changing under it for {@link ATTEMPTS} tries
 */
export async function syncAlias(svc: Services, targetName: string): Promise<AliasSync> {
  for (let attempt = 1; ; attempt++) {
    const names = await svc.store.getTarget(targetName);
    if (!names) throw new NotFoundError(`target ${targetName} is not registered`);
    // A sync is part of the change deploying there, if any (its role session names it).
    const { functions } = onTarget(svc, names, names.deployingChangeId ?? `sync-${names.name}`);
    const alias = await functions.getAlias(names.functionName, names.alias);
    // Read again after the alias: a commit that happened before this read is what the alias must show.
    const target = (await svc.store.getTarget(targetName)) ?? names;
    if (target.shiftedByCodeDeploy) return 'codedeploy';
    const route = recordedRoute(target);
    try {
      await functions.updateAlias(target.functionName, target.alias, route, alias.revisionId);
      return routesAs(alias, route) ? 'in-sync' : 'moved';
    } catch (err) {
      if (!(err instanceof StaleAliasError) || attempt >= ATTEMPTS) throw err;
    }
  }
}
