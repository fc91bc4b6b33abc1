import inc from 'semver/functions/inc';
import rsort from 'semver/functions/rsort';
import { ConflictError } from './errors';

/**
 * Picks the immutable version of a new change for a target.
 * @param existing - every version the target already has (any status)
 * @param requested - the version the change request names, if any
 * @param bump - which part to increment when none is named (semver.org §7–8)
 * @returns the version to create
 * @throws ConflictError when the requested version already exists
 */
export function nextVersion(existing: readonly string[], requested: string | undefined, bump: 'major' | 'minor' | 'patch'): string {
  if (requested !== undefined) {
    if (existing.includes(requested)) throw new ConflictError(`version ${requested} already exists for this target`);
    return requested;
  }
  const highest = rsort([...existing])[0] ?? '0.0.0';
  const next = inc(highest, bump);
  if (!next) throw new Error(`cannot increment version ${highest}`);
  return next;
}

/** Sorts versions newest (highest) first. */
export function newestFirst(versions: readonly string[]): string[] {
  return rsort([...versions]);
}
