/**
 * Version retention: which published Lambda versions of a target may be deleted.
 *
 * Source: issue #4 "Post-deploy" — the previous version stays published (and warm) for a retention
 * period so that a rollback is instant; versions beyond the retention count are retired, never the
 * live one or the last good one. Lambda itself refuses to delete a version an alias routes to.
 */

/** What {@link versionsToRetire} decides from. Versions are Lambda version numbers (`"1"`, `"2"`…). */
export interface RetentionInput {
  /** The function's published versions, in any order; `$LATEST` and other non-numbers are ignored. */
  readonly published: readonly string[];
  /** Every version an alias of the function routes to, including one with a weight in its routing config. */
  readonly aliasVersions: readonly string[];
  /** The live version (the alias's main version once a deployment is over). */
  readonly live: string;
  /** The version to roll back to: the newest proven-good version other than the live one, if any. */
  readonly lastGood: string | undefined;
  /** How many of the newest published versions to keep (`Target.retention.keepVersions`); an integer ≥ 0. */
  readonly keep: number;
}

/**
 * The published versions to retire, oldest first.
 *
 * The rule: the `keep` newest published versions (by version number, i.e. publication order) are
 * kept; so are, whatever their age, the live version, the last good version and every version an
 * alias routes to. All other published versions are retired. The protected versions do not count
 * against `keep`: with `keep` 5 and an old last good version, 6 versions stay.
 * @throws RangeError when `keep` is not an integer ≥ 0
 */
export function versionsToRetire(input: RetentionInput): string[] {
  const { keep } = input;
  if (!Number.isInteger(keep) || keep < 0) throw new RangeError(`keep must be an integer >= 0, got ${keep}`);
  const newestFirst = [...new Set(input.published.filter(isVersionNumber))].sort((a, b) => Number(b) - Number(a));
  const protectedVersions = new Set([input.live, ...input.aliasVersions, ...(input.lastGood === undefined ? [] : [input.lastGood])]);
  return newestFirst
    .slice(keep)
    .filter((v) => !protectedVersions.has(v))
    .reverse();
}

/** A published Lambda version number (not `$LATEST`, not an alias name). */
function isVersionNumber(v: string): boolean {
  return /^[1-9]\d*$/.test(v);
}
