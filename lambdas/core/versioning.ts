import inc from 'semver/functions/inc';
import parse from 'semver/functions/parse';
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

/**
 * A string whose byte order is the versions' semver precedence (semver.org §11), for a sort key:
 * `MAJOR.MINOR.PATCH` as length-prefixed numbers, then `~` for a release or `-` and the
 * pre-release identifiers (numeric ones length-prefixed and before alphanumeric ones, separated
 * by `!`, which sorts below every character an identifier may hold), so a pre-release sorts
 * before its release and a shorter identifier list before a longer one with the same start.
 * @param version - a valid semantic version without build metadata
 * @throws Error when `version` is not one
 */
export function versionOrderKey(version: string): string {
  const parsed = parse(version);
  if (!parsed || parsed.build.length) throw new Error(`not a semantic version without build metadata: ${version}`);
  const numeric = (n: number | string) => {
    const digits = String(n);
    return `${String(digits.length).padStart(2, '0')}${digits}`;
  };
  const core = [parsed.major, parsed.minor, parsed.patch].map(numeric).join('.');
  if (!parsed.prerelease.length) return `${core}~`;
  const ids = parsed.prerelease.map((id) => (typeof id === 'number' || /^\d+$/.test(id) ? `0${numeric(id)}` : `1${id}`));
  return `${core}-${ids.join('!')}`;
}
