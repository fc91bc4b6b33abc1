import { formatDuration } from './canary-report-text';
import type { Breakdown, ComplianceRatio, ComplianceReport, Durations, Ratio } from './compliance-report';
import { type EntryRef, entryLabel } from './evidence';

/**
 * The compliance report as text for a terminal (`cmv report compliance`): the scope, then one line
 * per figure with its value and basis, the exceptions, and after each figure the ledger entries it
 * was computed from (`#seq`; `--format json` or `csv` give their hashes).
 */

const pct = (v: number | null) => (v === null ? '—' : `${v} %`);
const secs = (v: number | null) => (v === null ? '—' : `${v} s (${formatDuration(v)})`);
const words = (key: string) => key.replaceAll('_', ' ');
const cited = (entries: readonly EntryRef[]) => `      ledger entries (${entries.length}): ${entries.map(entryLabel).join(' ') || 'none'}`;
const counts = (items: readonly Breakdown<string>[]) =>
  items
    .filter((b) => b.count > 0)
    .map((b) => `${words(b.key)} ${b.count}`)
    .join(', ') || 'none';

function ratio(name: string, r: Ratio | ComplianceRatio, basis: string): string[] {
  const exceptions = 'exceptions' in r ? r.exceptions.map((x) => `      not met: ${x.changeId}: ${x.reason}`) : [];
  return [`  ${name.padEnd(26)} ${pct(r.percent).padStart(9)}   ${r.count} of ${r.of} ${basis}`, ...exceptions, cited(r.entries)];
}

function durations(name: string, d: Durations, basis: string): string[] {
  return [`  ${name.padEnd(26)} mean ${secs(d.meanSeconds)}, p90 ${secs(d.p90Seconds)}   over ${d.count} ${basis}`, cited(d.entries)];
}

/** The report as lines of text. */
export function renderComplianceText(report: ComplianceReport): string {
  const s = report.scope;
  const r = report;
  return [
    `Compliance report: changes proposed from ${s.from} to ${s.to} (end excluded), as of ${r.asOf}`,
    `  targets: ${s.targets.length ? s.targets.join(', ') : 'none matches'}${s.target ? ` (target ${s.target})` : ''}${s.environment ? ` (environment ${s.environment})` : ''}`,
    '',
    `  ${'changes'.padEnd(26)} ${String(r.changes.total).padStart(9)}`,
    `      by type: ${counts(r.changes.byType)}`,
    `      by risk: ${counts(r.changes.byRisk)}`,
    `      by outcome: ${counts(r.changes.byOutcome)}`,
    cited(r.changes.byType.flatMap((b) => b.entries)),
    ...ratio('approval compliance', r.approvalCompliance, 'deployed changes had their quorum'),
    ...ratio('testing compliance', r.testingCompliance, 'deployed changes passed every required suite'),
    ...ratio('change success rate', r.changeSuccessRate, 'ended deployments were deployed'),
    ...ratio('rollback rate', r.rollbackRate, 'ended deployments were rolled back'),
    ...r.rollbackRate.byCause.filter((b) => b.count > 0).flatMap((b) => [`      caused by ${words(b.key)}: ${b.count}`, `  ${cited(b.entries)}`]),
    ...ratio('emergency change rate', r.emergencyChangeRate, 'changes were emergency changes'),
    ...ratio('emergency, review missing', r.emergencyMissingReview, 'ended emergency changes that need a review'),
    ...r.emergencyMissingReview.changeIds.map((id) => `      missing: ${id}`),
    ...durations('lead time', r.leadTime, 'deployed changes (proposed → 100 %)'),
    ...durations('time to restore', r.timeToRestore, 'rollbacks (trigger → old version serving)'),
    ...r.timeToRestore.notMeasured.map((n) => `      not measured: ${n.changeId} (${words(n.cause)}: no trigger time recorded)`),
  ].join('\n');
}
