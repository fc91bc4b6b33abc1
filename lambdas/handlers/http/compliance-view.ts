import { createHash } from 'node:crypto';
import { formatDuration } from '../../core/canary-report-text';
import type { Breakdown, ComplianceReport, Durations, Ratio } from '../../core/compliance-report';
import { complianceCharts } from '../../core/compliance-report-svg';
import { type EntryRef, entryLabel } from '../../core/evidence';
import { escapeHtml } from './approval-view';

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
h1{font-size:1.5rem}table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:.3rem .6rem;vertical-align:top;border-bottom:1px solid #ccc}td.num{text-align:right;white-space:nowrap}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(30rem,1fr));gap:1rem}figure{margin:0}figcaption{font-size:.9rem;color:#444}
summary{cursor:pointer;padding:.25rem 0}code{font-size:.85rem;word-break:break-all}:focus{outline:3px solid #1a5fb4}`;

/**
 * The one Content-Security-Policy of the page: nothing loads, no script runs; the only style is the
 * page's own `<style>` element, allowed by its SHA-256 (CSP Level 2 hash source), so no inline style
 * attribute and no injected style could apply either.
 */
export const COMPLIANCE_PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}'; img-src 'none'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'`;

const pct = (v: number | null) => (v === null ? '—' : `${v} %`);
const secs = (v: number | null) => (v === null ? '—' : `${v} s (${formatDuration(v)})`);
const time = (iso: string) => `<time datetime="${escapeHtml(iso)}">${escapeHtml(iso)}</time>`;

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

function figuresTable(rows: readonly FigureRow[]): string {
  return `<table id="figures"><thead><tr><th scope="col">Figure</th><th scope="col">Value</th><th scope="col">Basis</th><th scope="col">Ledger entries</th></tr></thead><tbody>${rows
    .map(
      (f) =>
        `<tr data-figure="${escapeHtml(f.id)}"><th scope="row">${escapeHtml(f.name)}</th><td class="num">${escapeHtml(f.value)}</td><td>${escapeHtml(f.basis)}</td><td class="num"><a href="#evidence-${escapeHtml(f.id)}">${f.entries.length}</a></td></tr>`,
    )
    .join('')}</tbody></table>`;
}

function evidenceList(rows: readonly FigureRow[]): string {
  return rows
    .map(
      (f) =>
        `<details id="evidence-${escapeHtml(f.id)}"><summary>${escapeHtml(f.name)}: ${f.entries.length} ledger entr${f.entries.length === 1 ? 'y' : 'ies'}</summary>${
          f.entries.length
            ? `<table><thead><tr><th scope="col">Entry</th><th scope="col">Type</th><th scope="col">Change</th><th scope="col">Time (UTC)</th><th scope="col">Hash</th></tr></thead><tbody>${f.entries
                .map(
                  (e) =>
                    `<tr><td class="num">${escapeHtml(entryLabel(e))}</td><td>${escapeHtml(e.type)}</td><td><code>${escapeHtml(e.changeId ?? '—')}</code></td><td>${time(e.time)}</td><td><code>${escapeHtml(e.hash)}</code></td></tr>`,
                )
                .join('')}</tbody></table>`
            : '<p>None.</p>'
        }</details>`,
    )
    .join('\n');
}

function exceptionsList(r: ComplianceReport): string {
  const items = [
    ...r.approvalCompliance.exceptions.map((x) => ['Approval', x.changeId, x.reason]),
    ...r.testingCompliance.exceptions.map((x) => ['Testing', x.changeId, x.reason]),
    ...r.emergencyMissingReview.changeIds.map((id) => ['Review', id, 'emergency change without its post-implementation review']),
    ...r.timeToRestore.notMeasured.map((n) => ['Time to restore', n.changeId, `not measured: no trigger time recorded (${n.cause.replaceAll('_', ' ')})`]),
  ];
  if (items.length === 0) return '<p>None: every deployed change had its quorum and its tests, and every required review is recorded.</p>';
  return `<table id="exceptions"><thead><tr><th scope="col">Rule</th><th scope="col">Change</th><th scope="col">Why</th></tr></thead><tbody>${items
    .map(([rule, id, why]) => `<tr><td>${escapeHtml(rule)}</td><td><code>${escapeHtml(id)}</code></td><td>${escapeHtml(why)}</td></tr>`)
    .join('')}</tbody></table>`;
}

function scopeTable(r: ComplianceReport): string {
  const s = r.scope;
  const rows: [string, string][] = [
    ['Period (UTC)', `${time(s.from)} to ${time(s.to)} (the changes proposed in it; the end excluded)`],
    ['Target', s.target ? escapeHtml(s.target) : 'any'],
    ['Environment', s.environment ? escapeHtml(s.environment) : 'any'],
    ['Targets covered', s.targets.length ? s.targets.map(escapeHtml).join(', ') : '<strong>none: no registered target matches</strong>'],
    ['As of', time(r.asOf)],
  ];
  return `<table id="scope">${rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${v}</td></tr>`).join('')}</table>`;
}

/**
 * The compliance report page: what it covers, every figure with the number of ledger entries it
 * cites, four bar charts (inline SVG), the exceptions, and each figure's ledger entries (a
 * `<details>` per figure, no script). Every text from the ledger or the request is escaped.
 * Serve it with {@link COMPLIANCE_PAGE_CSP}.
 */
export function compliancePage(report: ComplianceReport): string {
  const rows = figures(report);
  const title = 'Compliance report';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><meta name="referrer" content="no-referrer"><title>${title} — CMV</title><style>${STYLE}</style></head>
<body><main><h1>${title}</h1>
<section aria-labelledby="s-scope"><h2 id="s-scope">Scope</h2>${scopeTable(report)}<p>${report.changes.total} change${report.changes.total === 1 ? '' : 's'} proposed in the period.</p></section>
<section aria-labelledby="s-figures"><h2 id="s-figures">Figures</h2>${figuresTable(rows)}</section>
<section aria-labelledby="s-charts"><h2 id="s-charts">Charts</h2><div class="charts">${complianceCharts(report)
    .map((c) => `<figure>${c.svg}</figure>`)
    .join('')}</div></section>
<section aria-labelledby="s-exceptions"><h2 id="s-exceptions">Exceptions</h2>${exceptionsList(report)}</section>
<section aria-labelledby="s-evidence"><h2 id="s-evidence">Ledger entries of each figure</h2><p>Each entry can be read with <code>GET /audit?changeId=…</code> and checked by its hash.</p>${evidenceList(rows)}</section>
</main></body></html>`;
}
