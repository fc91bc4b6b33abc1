import { formatDuration } from '../../core/canary-report-text';
import type { Breakdown, ComplianceReport, Durations, Ratio } from '../../core/compliance-report';
import { complianceCharts } from '../../core/compliance-report-svg';
import { type EntryRef, entryLabel } from '../../core/evidence';
import { html, type Markup, page, trusted } from './page-shell';

const pct = (v: number | null) => (v === null ? '—' : `${v} %`);
const secs = (v: number | null) => (v === null ? '—' : `${v} s (${formatDuration(v)})`);
const time = (iso: string) => html`<time datetime="${iso}">${iso}</time>`;

/** One figure: its name, value, how many of how many, and the entries it cites. */
interface FigureRow {
  readonly id: string;
  readonly name: string;
  readonly value: string;
  readonly basis: string;
  readonly entries: readonly EntryRef[];
}

const ratioRow = (id: string, name: string, r: Ratio, of: string): FigureRow => ({
  id,
  name,
  value: pct(r.percent),
  basis: `${r.count} of ${r.of} ${of}`,
  entries: r.entries,
});
const durationRows = (id: string, name: string, d: Durations, of: string): FigureRow[] => [
  { id: `${id}-mean`, name: `${name}, mean`, value: secs(d.meanSeconds), basis: `${d.count} ${of}`, entries: d.entries },
  { id: `${id}-p90`, name: `${name}, p90`, value: secs(d.p90Seconds), basis: `${d.count} ${of}`, entries: d.entries },
];

function figures(r: ComplianceReport): FigureRow[] {
  const byKind = (prefix: string, label: string, items: readonly Breakdown<string>[]) =>
    items
      .filter((b) => b.key !== 'unknown' || b.count > 0)
      .map((b) => ({
        id: `${prefix}-${b.key}`,
        name: `${label}: ${b.key.replaceAll('_', ' ')}`,
        value: String(b.count),
        basis: 'changes',
        entries: b.entries,
      }));
  return [
    ...byKind('type', 'Changes of type', r.changes.byType),
    ...byKind('risk', 'Changes of risk level', r.changes.byRisk),
    ...byKind('outcome', 'Changes by outcome', r.changes.byOutcome),
    ratioRow('approval-compliance', 'Approval compliance', r.approvalCompliance, 'deployed changes had their quorum'),
    ratioRow('testing-compliance', 'Testing compliance', r.testingCompliance, 'deployed changes passed every required suite'),
    ratioRow('change-success-rate', 'Change success rate', r.changeSuccessRate, 'ended deployments were deployed'),
    ratioRow('rollback-rate', 'Rollback rate', r.rollbackRate, 'ended deployments were rolled back'),
    ...r.rollbackRate.byCause.map((b) => ({
      id: `cause-${b.key}`,
      name: `Rollbacks caused by: ${b.key.replaceAll('_', ' ')}`,
      value: String(b.count),
      basis: 'rollbacks',
      entries: b.entries,
    })),
    ratioRow('emergency-change-rate', 'Emergency change rate', r.emergencyChangeRate, 'changes were emergency changes'),
    ratioRow('emergency-missing-review', 'Emergency changes missing their review', r.emergencyMissingReview, 'ended emergency changes that need one'),
    ...durationRows('lead-time', 'Lead time (proposed → 100 %)', r.leadTime, 'deployed changes'),
    ...durationRows('time-to-restore', 'Time to restore (trigger → old version serving)', r.timeToRestore, 'rollbacks with a recorded trigger'),
  ];
}

function figuresTable(rows: readonly FigureRow[]): Markup {
  return html`<table id="figures"><thead><tr><th scope="col">Figure</th><th scope="col">Value</th><th scope="col">Basis</th><th scope="col">Ledger entries</th></tr></thead><tbody>${rows.map(
    (f) =>
      html`<tr data-figure="${f.id}"><th scope="row">${f.name}</th><td class="num">${f.value}</td><td>${f.basis}</td><td class="num"><a href="#evidence-${f.id}">${f.entries.length}</a></td></tr>`,
  )}</tbody></table>`;
}

function evidenceList(rows: readonly FigureRow[]): Markup[] {
  return rows.map(
    (f) =>
      html`<details id="evidence-${f.id}"><summary>${f.name}: ${f.entries.length} ledger entr${f.entries.length === 1 ? 'y' : 'ies'}</summary>${
        f.entries.length
          ? html`<table><thead><tr><th scope="col">Entry</th><th scope="col">Type</th><th scope="col">Change</th><th scope="col">Time (UTC)</th><th scope="col">Hash</th></tr></thead><tbody>${f.entries.map(
              (e) =>
                html`<tr><td class="num">${entryLabel(e)}</td><td>${e.type}</td><td><code>${e.changeId ?? '—'}</code></td><td>${time(e.time)}</td><td><code>${e.hash}</code></td></tr>`,
            )}</tbody></table>`
          : html`<p>None.</p>`
      }</details>\n`,
  );
}

function exceptionsList(r: ComplianceReport): Markup {
  const items = [
    ...r.approvalCompliance.exceptions.map((x) => ['Approval', x.changeId, x.reason]),
    ...r.testingCompliance.exceptions.map((x) => ['Testing', x.changeId, x.reason]),
    ...r.emergencyMissingReview.changeIds.map((id) => ['Review', id, 'emergency change without its post-implementation review']),
    ...r.timeToRestore.notMeasured.map((n) => ['Time to restore', n.changeId, `not measured: no trigger time recorded (${n.cause.replaceAll('_', ' ')})`]),
  ];
  if (items.length === 0) return html`<p>None: every deployed change had its quorum and its tests, and every required review is recorded.</p>`;
  return html`<table id="exceptions"><thead><tr><th scope="col">Rule</th><th scope="col">Change</th><th scope="col">Why</th></tr></thead><tbody>${items.map(
    ([rule, id, why]) => html`<tr><td>${rule}</td><td><code>${id}</code></td><td>${why}</td></tr>`,
  )}</tbody></table>`;
}

function scopeTable(r: ComplianceReport): Markup {
  const s = r.scope;
  const rows: [string, Markup | string][] = [
    ['Period (UTC)', html`${time(s.from)} to ${time(s.to)} (the changes proposed in it; the end excluded)`],
    ['Target', s.target ?? 'any'],
    ['Environment', s.environment ?? 'any'],
    ['Targets covered', s.targets.length ? s.targets.join(', ') : html`<strong>none: no registered target matches</strong>`],
    ['As of', time(r.asOf)],
  ];
  return html`<table id="scope">${rows.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</table>`;
}

/**
 * The compliance report page: what it covers, every figure with the number of ledger entries it
 * cites, four bar charts (inline SVG), the exceptions, and each figure's ledger entries (a
 * `<details>` per figure, no script). Every text from the ledger or the request is escaped.
 */
export function compliancePage(report: ComplianceReport): string {
  const rows = figures(report);
  return page({
    title: 'Compliance report',
    wide: true,
    body: html`<section aria-labelledby="s-scope"><h2 id="s-scope">Scope</h2>${scopeTable(report)}<p>${report.changes.total} change${report.changes.total === 1 ? '' : 's'} proposed in the period.</p></section>
<section aria-labelledby="s-figures"><h2 id="s-figures">Figures</h2>${figuresTable(rows)}</section>
<section aria-labelledby="s-charts"><h2 id="s-charts">Charts</h2><div class="charts">${complianceCharts(report).map((c) => html`<figure>${trusted(c.svg)}</figure>`)}</div></section>
<section aria-labelledby="s-exceptions"><h2 id="s-exceptions">Exceptions</h2>${exceptionsList(report)}</section>
<section aria-labelledby="s-evidence"><h2 id="s-evidence">Ledger entries of each figure</h2><p>Each entry can be read with <code>GET /audit?changeId=…</code> and checked by its hash.</p>${evidenceList(rows)}</section>`,
  });
}
