import { stringify } from 'csv-stringify/sync';
import type { Breakdown, ComplianceRatio, ComplianceReport, Durations, Ratio } from './compliance-report';
import type { EntryRef } from './evidence';

/**
 * The compliance report as CSV (RFC 4180, via csv-stringify): one table a spreadsheet can filter.
 * `record` says what a row is — `scope` (what the report covers), `figure` (a value: a count, a %,
 * or seconds), `exception` (a change that did not meet a rule, and why), `sample` (one change's
 * duration), `evidence` (one ledger entry the figure was computed from, by `entry_chain`,
 * `entry_seq`, `entry_hash`, `entry_type`, `entry_time`). Rows of one figure share `figure` and `breakdown`.
 */

/** The columns, in order. */
export const CSV_COLUMNS = [
  'record',
  'figure',
  'breakdown',
  'value',
  'unit',
  'count',
  'of',
  'change_id',
  'note',
  'entry_chain',
  'entry_seq',
  'entry_hash',
  'entry_type',
  'entry_time',
] as const;
type Row = Partial<Record<(typeof CSV_COLUMNS)[number], string | number | null>>;

/**
 * A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a leading
 * apostrophe (OWASP "CSV Injection"): change ids and reasons come from the ledger, not from us.
 */
const defuse = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);

function evidenceRows(figure: string, breakdown: string, entries: readonly EntryRef[]): Row[] {
  return entries.map((e) => ({
    record: 'evidence',
    figure,
    breakdown,
    change_id: e.changeId ?? '',
    entry_chain: e.chain,
    entry_seq: e.seq,
    entry_hash: e.hash,
    entry_type: e.type,
    entry_time: e.time,
  }));
}

function breakdownRows(figure: string, items: readonly Breakdown<string>[]): Row[] {
  return items.flatMap((b) => [{ record: 'figure', figure, breakdown: b.key, value: b.count, unit: 'changes' }, ...evidenceRows(figure, b.key, b.entries)]);
}

function ratioRows(figure: string, r: Ratio | ComplianceRatio): Row[] {
  const exceptions = 'exceptions' in r ? r.exceptions.map((x) => ({ record: 'exception', figure, change_id: x.changeId, note: x.reason })) : [];
  return [{ record: 'figure', figure, value: r.percent, unit: '%', count: r.count, of: r.of }, ...exceptions, ...evidenceRows(figure, '', r.entries)];
}

function durationRows(figure: string, d: Durations): Row[] {
  return [
    { record: 'figure', figure, breakdown: 'mean', value: d.meanSeconds, unit: 's', count: d.count },
    { record: 'figure', figure, breakdown: 'p90', value: d.p90Seconds, unit: 's', count: d.count },
    ...d.samples.map((s) => ({ record: 'sample', figure, value: s.seconds, unit: 's', change_id: s.changeId })),
    ...evidenceRows(figure, '', d.entries),
  ];
}

/** The rows of the report, in the order of the JSON. */
export function reportRows(report: ComplianceReport): Row[] {
  const s = report.scope;
  const scope = (figure: string, value: string) => ({ record: 'scope', figure, value });
  return [
    scope('from', s.from),
    scope('to', s.to),
    scope('target', s.target ?? ''),
    scope('environment', s.environment ?? ''),
    scope('targets', s.targets.join(' ')),
    scope('as_of', report.asOf),
    { record: 'figure', figure: 'changes', value: report.changes.total, unit: 'changes' },
    ...breakdownRows('changes_by_type', report.changes.byType),
    ...breakdownRows('changes_by_risk', report.changes.byRisk),
    ...breakdownRows('changes_by_outcome', report.changes.byOutcome),
    ...ratioRows('approval_compliance', report.approvalCompliance),
    ...ratioRows('testing_compliance', report.testingCompliance),
    ...ratioRows('change_success_rate', report.changeSuccessRate),
    ...ratioRows('rollback_rate', report.rollbackRate),
    ...breakdownRows('rollbacks_by_cause', report.rollbackRate.byCause),
    ...ratioRows('emergency_change_rate', report.emergencyChangeRate),
    ...ratioRows('emergency_missing_review', report.emergencyMissingReview),
    ...report.emergencyMissingReview.changeIds.map((id) => ({
      record: 'exception',
      figure: 'emergency_missing_review',
      change_id: id,
      note: 'no post-implementation review recorded',
    })),
    ...durationRows('lead_time', report.leadTime),
    ...durationRows('time_to_restore', report.timeToRestore),
    ...report.timeToRestore.notMeasured.map((n) => ({
      record: 'exception',
      figure: 'time_to_restore',
      change_id: n.changeId,
      note: `not measured: no trigger time recorded (${n.cause})`,
    })),
  ];
}

/** The report as CSV text with a header row; an empty cell for a value the report has not (null). */
export function reportCsv(report: ComplianceReport): string {
  return stringify(reportRows(report), {
    header: true,
    columns: [...CSV_COLUMNS],
    record_delimiter: 'windows',
    cast: { string: defuse },
  });
}
