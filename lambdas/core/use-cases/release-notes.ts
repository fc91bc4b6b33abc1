import compare from 'semver/functions/compare';
import type { Change } from '../change';
import { NotFoundError, ValidationError } from '../errors';
import { type ReleaseNotes, releaseNotesBetween } from '../release-notes';
import type { Services } from './services';

/**
 * The release notes of a target's versions `from..to` (from < version ≤ to).
 * @throws ValidationError (400, field `from`) when `from` is not below `to`; NotFoundError (404) for an unknown target
 */
export async function releaseNotesFor(svc: Services, target: string, from: string, to: string): Promise<ReleaseNotes> {
  if (compare(from, to) >= 0) throw ValidationError.field('from', `must be below to (${to}): the range is from..to, from excluded`);
  if (!(await svc.store.getTarget(target))) throw new NotFoundError(`target ${target} is not registered`);
  const versions = (await svc.store.listVersions(target)).filter((v) => v.changeId && compare(v.version, from) > 0 && compare(v.version, to) <= 0);
  const changes = await Promise.all(versions.map((v) => svc.store.getChange(v.changeId as string)));
  return releaseNotesBetween(
    target,
    from,
    to,
    changes.filter((c): c is Change => c !== undefined),
  );
}
