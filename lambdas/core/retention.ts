/**
 * Version retention: which published Lambda versions of a target may be deleted.
 *
 * Source: issue #4 "Post-deploy" — the previous version stays published (and warm) for a retention
 * period so that a rollback is instant; versions beyond the retention count are retired, never the
 * live one or the last good one. Lambda itself refuses to delete a version an alias routes to.
 * Issue #13 "Rollback window": a version stays activatable for at least 90 days (the CMV seed) as
 * well as the newest N — retention by age and by count.
 */

/** A day in ms: `keepDays` counts 24-hour days from the decision's `now`. */
const DAY_MS = 86_400_000;

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
  /**
   * How many days a version stays after it was last published or live (`Target.retention.keepDays`);
   * an integer ≥ 0, 0 turning the age rule off.
   */
  readonly keepDays: number;
  /** The time of the decision (the use case's clock). */
  readonly now: Date;
  /**
   * Per Lambda version, the ISO-8601 time CMV last published it or last had it live ({@link lastLiveTimes});
   * a version absent has no known time and is kept by count alone.
   */
  readonly lastLiveAt: Readonly<Record<string, string>>;
}

/**
 * The published versions to retire, oldest first.
 *
 * The rule: the `keep` newest published versions (by version number, i.e. publication order) are
 * kept; so is every version last published or live less than `keepDays` days before `now` (one
 * exactly `keepDays` days old may go), whatever the count; so are, whatever their age, the live
 * version, the last good version and every version an alias routes to. All other published
 * versions are retired. The protected and the recent versions do not count against `keep`: with
 * `keep` 5 and an old last good version, 6 versions stay.
 *
 * A version without a known time is kept by count alone: the use case reads CMV's ledger over the
 * window only, and the ledger records every publication and every change of the live version, so a
 * version CMV published or had live within the window always has a time; one without is older, or
 * a Lambda version CMV never published (no version record: it could never be activated anyway).
 * @throws RangeError when `keep` or `keepDays` is not an integer ≥ 0
 */
export function versionsToRetire(input: RetentionInput): string[] {
  const { keep, keepDays } = input;
  if (!Number.isInteger(keep) || keep < 0) throw new RangeError(`keep must be an integer >= 0, got ${keep}`);
  if (!Number.isInteger(keepDays) || keepDays < 0) throw new RangeError(`keepDays must be an integer >= 0, got ${keepDays}`);
  const newestFirst = [...new Set(input.published.filter(isVersionNumber))].sort((a, b) => Number(b) - Number(a));
  const protectedVersions = new Set([input.live, ...input.aliasVersions, ...(input.lastGood === undefined ? [] : [input.lastGood])]);
  const cutoff = input.now.getTime() - keepDays * DAY_MS;
  const recent = (v: string) => {
    const at = input.lastLiveAt[v];
    return at !== undefined && Date.parse(at) > cutoff;
  };
  return newestFirst
    .slice(keep)
    .filter((v) => !protectedVersions.has(v) && !recent(v))
    .reverse();
}

/** The part of a ledger entry {@link lastLiveTimes} reads. */
export interface LiveEvidence {
  readonly type: string;
  /** ISO-8601. */
  readonly time: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * Per Lambda version, the latest time the target's ledger entries show it published or live: the
 * version registered (`TargetRegistered.functionVersion`) or published (`VersionPublished`), the one
 * live when a deployment started (`DeploymentStarted.fromFunctionVersion`) or a rollback restored
 * (`ChangeRolledBack.restoredFunctionVersion`), and both sides of a change of the live version —
 * `ChangeDeployed` (`functionVersion`, and `previous`, a semantic version looked up in `records`)
 * and `VersionActivated` (`functionVersion`, `previousFunctionVersion`). A version replaced as the
 * live one thus counts as live until the moment it was replaced. Other entries are ignored.
 * @param entries - the target's entries, in any order
 * @param records - the target's version records (semantic version → Lambda version)
 * @returns Lambda version → ISO-8601 time
 */
export function lastLiveTimes(
  entries: Iterable<LiveEvidence>,
  records: readonly { readonly version: string; readonly functionVersion?: string }[],
): Record<string, string> {
  const times: Record<string, string> = {};
  const seen = (functionVersion: unknown, time: string) => {
    if (typeof functionVersion !== 'string' || !isVersionNumber(functionVersion)) return;
    const before = times[functionVersion];
    if (before === undefined || Date.parse(time) > Date.parse(before)) times[functionVersion] = time;
  };
  const functionVersionOf = (version: unknown) => records.find((r) => r.version === version)?.functionVersion;
  for (const { type, time, details } of entries) {
    if (type === 'TargetRegistered' || type === 'VersionPublished') seen(details.functionVersion, time);
    else if (type === 'DeploymentStarted') seen(details.fromFunctionVersion, time);
    else if (type === 'ChangeRolledBack') seen(details.restoredFunctionVersion, time);
    else if (type === 'ChangeDeployed') {
      seen(details.functionVersion, time);
      seen(functionVersionOf(details.previous), time);
    } else if (type === 'VersionActivated') {
      seen(details.functionVersion, time);
      seen(details.previousFunctionVersion, time);
    }
  }
  return times;
}

/** A published Lambda version number (not `$LATEST`, not an alias name). */
function isVersionNumber(v: string): boolean {
  return /^[1-9]\d*$/.test(v);
}
