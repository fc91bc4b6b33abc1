import type { CanaryReport, CanaryReportStep } from '../../core/canary-report';
import { renderChartSvg } from '../../core/canary-report-svg';
import { alarmsText, formatPercent, reportSummary, stepDecision } from '../../core/canary-report-text';
import type { VersionStats } from '../../core/observations';
import { escapeHtml } from './approval-view';

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:80rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
h1{font-size:1.5rem}table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:.3rem .6rem;vertical-align:top;border-bottom:1px solid #ccc}
thead th{border-bottom:2px solid #1a1a1a}td.num{text-align:right;white-space:nowrap}caption{text-align:left;font-weight:600;padding:.25rem 0}
.scroll{overflow-x:auto}.rollback,.failed{color:#a00;font-weight:600}.summary th{border:0}.summary td{border:0}
td time{white-space:nowrap}td.reason{min-width:12rem}figure{margin:1rem 0}figcaption{font-size:.9rem;color:#444}:focus{outline:3px solid #1a5fb4}`;

const pair = (a: string, b: string) => `${a} / ${b}`;
const stat = (s: VersionStats | null, f: (s: VersionStats) => string) => (s ? f(s) : '—');
const utc = (iso: string | null) => (iso ? `<time datetime="${escapeHtml(iso)}">${escapeHtml(iso.replace(/\.\d+Z$/, 'Z'))}</time>` : '—');
/** A time in a table cell: `10:02:00Z`, with the date (`03-08 10:02:00Z`) when it is not `day`'s. */
const clock = (iso: string | null, day: string | undefined) =>
  iso ? `<time datetime="${escapeHtml(iso)}">${escapeHtml(`${iso.slice(0, 10) === day ? '' : `${iso.slice(5, 10)} `}${iso.slice(11, 19)}Z`)}</time>` : '—';

function stepRow(s: CanaryReportStep, day: string | undefined): string {
  const ms = (v: number | null) => (v === null ? '—' : `${Math.round(v)} ms`);
  const cells = [
    `<td class="num">${s.weight} %</td>`,
    `<td>${clock(s.at, day)}</td>`,
    `<td>${clock(s.checkedAt, day)}</td>`,
    `<td class="num">${formatPercent(s.observedNewPercent)}</td>`,
    `<td class="num">${pair(
      stat(s.old, (v) => String(v.requests)),
      stat(s.new, (v) => String(v.requests)),
    )}</td>`,
    `<td class="num">${pair(
      stat(s.old, (v) => `${formatPercent(v.errorRatePercent)} (${v.errors})`),
      stat(s.new, (v) => `${formatPercent(v.errorRatePercent)} (${v.errors})`),
    )}</td>`,
    `<td class="num">${pair(
      stat(s.old, (v) => ms(v.p99Ms)),
      stat(s.new, (v) => ms(v.p99Ms)),
    )}</td>`,
    `<td>${escapeHtml(alarmsText(s))}</td>`,
    `<td${s.decision === 'rollback' ? ' class="rollback"' : ''}>${escapeHtml(stepDecision(s))}</td>`,
    `<td class="reason">${escapeHtml(s.reason ?? '—')}</td>`,
  ];
  return `<tr><th scope="row">${s.step}</th>${cells.join('')}</tr>`;
}

function stepsTable(report: CanaryReport): string {
  if (report.steps.length === 0) return '<p>No canary step yet.</p>';
  const head = [
    'Step',
    'Requested weight',
    'Shifted at (UTC)',
    'Checked at (UTC)',
    'Observed split (new version)',
    'Requests old / new',
    'Error rate (errors) old / new',
    'p99 old / new',
    'Alarms',
    'Decision',
    'Reason',
  ];
  return `<div class="scroll" role="region" aria-labelledby="s-steps" tabindex="0"><table id="steps"><thead><tr>${head
    .map((h) => `<th scope="col">${h}</th>`)
    .join('')}</tr></thead><tbody>${report.steps.map((s) => stepRow(s, report.timeline.from?.slice(0, 10))).join('')}</tbody></table></div>`;
}

function smokeTable(report: CanaryReport): string {
  if (report.smokeTests.length === 0) return '<p>None run.</p>';
  const rows = report.smokeTests.flatMap((run) =>
    run.results.map(
      (r, i) =>
        `<tr>${i === 0 ? `<th scope="rowgroup" rowspan="${run.results.length}">${escapeHtml(run.phase)} ${utc(run.at)}: ${run.passed ? 'passed' : '<span class="failed">failed</span>'}</th>` : ''}<td>${escapeHtml(r.name)}</td><td${r.passed ? '' : ' class="failed"'}>${r.passed ? 'passed' : 'failed'}</td><td>${escapeHtml(r.executedVersion)}</td><td>${escapeHtml(r.reason || '—')}</td></tr>`,
    ),
  );
  return `<table id="smoke-tests"><thead><tr><th scope="col">Run</th><th scope="col">Smoke test</th><th scope="col">Result</th><th scope="col">Executed version</th><th scope="col">Reason</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/**
 * The canary report page of a change: summary (versions, strategy, status, outcome, reason), the
 * chart of weight and error rate over time (inline SVG, no script), the per-step table and the
 * smoke test runs. Every value from the change is escaped.
 */
export function reportPage(report: CanaryReport): string {
  const title = `Canary report: ${report.target} ${report.version}`;
  const summary = `<table class="summary">${reportSummary(report)
    .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join('')}</table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><meta name="referrer" content="no-referrer"><title>${escapeHtml(title)} — CMV</title><style>${STYLE}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>
<section aria-labelledby="s-summary"><h2 id="s-summary">Summary</h2>${summary}<p>As of ${utc(report.asOf)}.</p></section>
<section aria-labelledby="s-chart"><h2 id="s-chart">Weight and error rate over time</h2><figure>${renderChartSvg(report, 'report-chart')}
<figcaption>Top: the % of traffic requested on the new version, stepping at each shift. Bottom: the error rate of the old (dashed) and new versions over each step's observation window, a point where the step was checked. Every number is in the table below.</figcaption></figure></section>
<section aria-labelledby="s-steps"><h2 id="s-steps">Canary steps</h2>${stepsTable(report)}</section>
<section aria-labelledby="s-smoke"><h2 id="s-smoke">Smoke tests</h2>${smokeTable(report)}</section>
</main></body></html>`;
}
