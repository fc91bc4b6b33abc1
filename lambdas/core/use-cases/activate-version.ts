import { actorFields } from '../actor';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors';
import { WriteConflictError } from '../ports';
import { recordedRoute, type Target } from '../target';
import { verifyBundle } from './bundles';
import type { Caller, Services } from './services';
import { syncAlias } from './sync-alias';

/**
 * Puts an earlier version back live in one call: the alias points at that version's published
 * Lambda version alone — its own code and config, not a re-deploy of source — once its bundle
 * verifies (`verifyBundle`: the stored code against its signed manifest). The target's new
 * route and the `VersionActivated` ledger entry commit first, conditioned on the target's revision
 * (so of concurrent activations exactly one wins, and none while a change holds the target's
 * lock); then the alias is moved to match (`syncAlias`, guarded by its RevisionId).
 * @returns the target afterwards
 * @throws ForbiddenError (403) without the release_admin role
 * @throws NotFoundError (404) for an unknown target or version
 * @throws ConflictError (409) when the version never passed its tests, was never published or was
 *   retired (retireVersions), when a change is deploying to the target, or when the alias changed meanwhile
 * @throws BundleVerificationError (409, after its `BundleVerificationFailed` ledger entry) when the
 *   version's bundle does not verify (its stored code, manifest or signature altered; no manifest)
 */
export async function activateVersion(svc: Services, caller: Caller, targetName: string, version: string, reason = ''): Promise<Target> {
  if (!caller.roles.includes('release_admin')) throw new ForbiddenError('activating a version needs the release_admin role');
  const target = await svc.store.getTarget(targetName);
  if (!target) throw new NotFoundError(`target ${targetName} is not registered`);
  const record = await svc.store.getVersion(targetName, version);
  if (!record) throw new NotFoundError(`version ${version} of ${targetName} does not exist`);
  if (!record.testsPassed) throw new ConflictError(`version ${version} of ${targetName} never passed its tests`);
  if (!record.functionVersion) throw new ConflictError(`version ${version} of ${targetName} was never approved and published; propose it as a change`);
  if (record.retiredAt) {
    throw new ConflictError(
      `version ${version} of ${targetName} was retired at ${record.retiredAt} (Lambda version ${record.functionVersion} deleted under the retention policy); propose it again as a change`,
    );
  }
  if (target.deployingChangeId) throw new ConflictError(`change ${target.deployingChangeId} is deploying to ${targetName}; wait for it or abort it first`);
  if (target.liveVersion === version) {
    await syncAlias(svc, targetName);
    return target;
  }
  // Nothing moves to code that is not the code signed for this version.
  await verifyBundle(svc, record, 'activate', { actor: caller });
  // Record first, then move the alias (syncAlias): of concurrent activations one commits and the
  // others are refused before anything moves; a crash after the commit is finished by the reconciler.
  const route = { functionVersion: record.functionVersion };
  const next: Target = {
    ...target,
    liveVersion: version,
    liveFunctionVersion: record.functionVersion,
    route,
    revision: target.revision + 1,
    updatedAt: svc.now().toISOString(),
  };
  try {
    await svc.store.commit([{ kind: 'target', record: next, expectedRevision: target.revision }], {
      type: 'VersionActivated',
      target: targetName,
      ...actorFields(caller),
      details: {
        version,
        functionVersion: record.functionVersion,
        previousVersion: target.liveVersion,
        previousFunctionVersion: recordedRoute(target).functionVersion,
        reason,
      },
    });
  } catch (err) {
    if (err instanceof WriteConflictError) throw new ConflictError(`target ${targetName} changed while activating; try again`);
    throw err;
  }
  await syncAlias(svc, targetName);
  return next;
}
