import compare from 'semver/functions/compare';
import type { Change } from './change';

/**
 * Release notes: what each released version of a target brought, from its change request — title,
 * type and risk, who asked, who approved, which tests it passed, when it went live. Built from the
 * change records alone (pure); `GET /targets/{target}/release-notes` and `cmv release-notes` serve them.
 */

/** One released version's note. Times ISO-8601. */
export interface ReleaseNote {
  readonly version: string;
  readonly changeId: string;
  readonly title: string;
  readonly description: string;
  readonly changeType: Change['changeType'];
  readonly riskLevel: Change['riskLevel'];
  readonly requester: string;
  /** Who approved it (approve votes, in order), with the roles they voted in. */
  readonly approvers: readonly { readonly approver: string; readonly roles: readonly string[]; readonly at: string }[];
  /** The suites it passed (an emergency change's deferred tests, once run, count too); empty: the policy required none. */
  readonly tests: readonly { readonly suite: string; readonly passed: boolean }[];
  /** When its deployment reached 100 % and ended. */
  readonly deployedAt?: string;
}

/** The notes of a version range `from..to` (semver: from < version ≤ to), oldest first, and the versions in it that never went live. */
export interface ReleaseNotes {
  readonly target: string;
  readonly from: string;
  readonly to: string;
  readonly released: readonly ReleaseNote[];
  readonly notReleased: readonly { readonly version: string; readonly changeId: string; readonly status: Change['status']; readonly reason?: string }[];
}

/** The note of one change's version (whether or not it was released). */
export function releaseNoteOf(change: Change): ReleaseNote {
  return {
    version: change.version,
    changeId: change.changeId,
    title: change.title,
    description: change.description,
    changeType: change.changeType,
    riskLevel: change.riskLevel,
    requester: change.requester,
    approvers: change.approvals.filter((v) => v.decision === 'approve').map((v) => ({ approver: v.approver, roles: v.roles, at: v.at })),
    tests: (change.tests?.suites ?? []).map((s) => ({ suite: s.suite, passed: s.passed })),
    ...(change.status === 'deployed' && change.deployment?.endedAt ? { deployedAt: change.deployment.endedAt } : {}),
  };
}

/**
 * The release notes of `target` for versions above `from` up to `to`: released (status `deployed`)
 * with their notes, the rest (rolled back, failed tests, rejected, still in progress) listed apart.
 * @param changes - the changes of the target's versions (any order; others are ignored)
 */
export function releaseNotesBetween(target: string, from: string, to: string, changes: readonly Change[]): ReleaseNotes {
  const inRange = changes
    .filter((c) => c.target === target && compare(c.version, from) > 0 && compare(c.version, to) <= 0)
    .sort((a, b) => compare(a.version, b.version));
  return {
    target,
    from,
    to,
    released: inRange.filter((c) => c.status === 'deployed').map(releaseNoteOf),
    notReleased: inRange
      .filter((c) => c.status !== 'deployed')
      .map((c) => ({ version: c.version, changeId: c.changeId, status: c.status, ...(c.reason ? { reason: c.reason } : {}) })),
  };
}

/** The notes as Markdown (CommonMark): a heading per released version, newest first, then the versions that were not released. */
export function releaseNotesMarkdown(notes: ReleaseNotes): string {
  const lines = [`# ${md(notes.target)} release notes: ${notes.from}..${notes.to}`, ''];
  if (notes.released.length === 0) lines.push('No version in this range was released.', '');
  for (const n of [...notes.released].reverse()) {
    lines.push(`## ${n.version}${n.deployedAt ? ` (${n.deployedAt.slice(0, 10)})` : ''}: ${md(n.title)}`, '');
    lines.push(`- Change ${n.changeId}: ${n.changeType}, ${n.riskLevel} risk, requested by ${md(n.requester)}`);
    lines.push(
      `- Approved by: ${n.approvers.length ? n.approvers.map((a) => `${md(a.approver)} (${a.roles.join(', ')})`).join(', ') : 'pre-approved by the policy'}`,
    );
    lines.push(`- Tests: ${n.tests.length ? n.tests.map((t) => `${t.suite} ${t.passed ? '✓' : '✗'}`).join(', ') : 'none required'}`);
    if (n.description) lines.push('', ...n.description.split('\n').map((l) => `> ${md(l)}`));
    lines.push('');
  }
  if (notes.notReleased.length) {
    lines.push('## Not released', '');
    for (const c of notes.notReleased) lines.push(`- ${c.version}: ${c.status}${c.reason ? ` (${md(c.reason)})` : ''}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Escapes the CommonMark characters that would turn a requester's text into markup or HTML (backslash escapes, spec §2.4). */
function md(text: string): string {
  return text.replace(/[\\`*_[\]<>#|!{}]/g, (c) => `\\${c}`);
}
