import type { CanaryReport, CanaryReportStep } from '../../core/canary-report';
import { renderChartSvg } from '../../core/canary-report-svg';
import { alarmsText, comparisonMark, formatPercent, reportSummary, stepDecision } from '../../core/canary-report-text';
import type { VersionStats } from '../../core/observations';
import { html, type Markup, page, trusted } from './page-shell';

const pair = (a: string, b: string) => `${a} / ${b}`;
const stat = (s: VersionStats | null, f: (s: VersionStats) => string) => (s ? f(s) : '—');
const utc = (iso: string | null) => (iso ? html`<time datetime="${iso}">${iso.replace(/\.\d+Z$/, 'Z')}</time>` : '—');
/** A time in a table cell: `10:02:00Z`, with the date (`03-08 10:02:00Z`) when it is not `day`'s. */
const clock = (iso: string | null, day: string | undefined) =>
  iso ? html`<time datetime="${iso}">${`${iso.slice(0, 10) === day ? '' : `${iso.slice(5, 10)} `}${iso.slice(11, 19)}Z`}</time>` : '—';

function stepRow(s: CanaryReportStep, day: string | undefined): Markup {
  const ms = (v: number | null) => (v === null ? '—' : `${Math.round(v)} ms`);
  return html`<tr><th scope="row">${s.step}</th><td class="num">${s.weight} %</td><td>${clock(s.at, day)}</td><td>${clock(s.checkedAt, day)}</td><td class="num">${formatPercent(s.observedNewPercent)}</td><td class="num">${pair(
    stat(s.old, (v) => String(v.requests)),
    stat(s.new, (v) => String(v.requests)),
  )}</td><td class="num">${pair(
    stat(s.old, (v) => `${formatPercent(v.errorRatePercent)} (${v.errors})`),
    stat(s.new, (v) => `${formatPercent(v.errorRatePercent)} (${v.errors})`),
  )}</td><td class="num">${pair(
    stat(s.old, (v) => ms(v.p99Ms)),
    stat(s.new, (v) => ms(v.p99Ms)),
  )}</td><td>${alarmsText(s)}</td><td${s.decision === 'rollback' ? trusted(' class="rollback"') : ''}>${stepDecision(s)}</td><td class="reason">${s.reason ?? '—'}${healthList(s)}</td></tr>`;
}

/** A health-driven step's comparisons, each with how it came out (empty for other steps). */
function healthList(s: CanaryReportStep): Markup | string {
  if (!s.health) return '';
  return html`<ul class="health" aria-label="Health comparisons (${s.health.verdict})">${s.health.comparisons.map(
    (c) => html`<li${c.result === 'fail' ? trusted(' class="failed"') : ''}>${comparisonMark(c).trim()}: ${c.text}</li>`,
  )}</ul>`;
}

function stepsTable(report: CanaryReport): Markup {
  if (report.steps.length === 0) return html`<p>No canary step yet.</p>`;
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
  return html`<div class="scroll" role="region" aria-labelledby="s-steps" tabindex="0"><table id="steps"><thead><tr>${head.map(
    (h) => html`<th scope="col">${h}</th>`,
  )}</tr></thead><tbody>${report.steps.map((s) => stepRow(s, report.timeline.from?.slice(0, 10)))}</tbody></table></div>`;
}

function smokeTable(report: CanaryReport): Markup {
  if (report.smokeTests.length === 0) return html`<p>None run.</p>`;
  const rows = report.smokeTests.flatMap((run) =>
    run.results.map(
      (r, i) =>
        html`<tr>${i === 0 && html`<th scope="rowgroup" rowspan="${run.results.length}">${run.phase} ${utc(run.at)}: ${run.passed ? 'passed' : html`<span class="failed">failed</span>`}</th>`}<td>${r.name}</td><td${r.passed ? '' : trusted(' class="failed"')}>${r.passed ? 'passed' : 'failed'}</td><td>${r.executedVersion}</td><td>${r.reason || '—'}</td></tr>`,
    ),
  );
  return html`<table id="smoke-tests"><thead><tr><th scope="col">Run</th><th scope="col">Smoke test</th><th scope="col">Result</th><th scope="col">Executed version</th><th scope="col">Reason</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/**
 * The canary report page of a change: summary (versions, strategy, status, outcome, reason), the
 * chart of weight and error rate over time (inline SVG, no script), the per-step table and the
 * smoke test runs. Every value from the change is escaped.
 */
export function reportPage(report: CanaryReport): string {
  const summary = html`<table class="summary">${reportSummary(report).map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</table>`;
  return page({
    title: `Canary report: ${report.target} ${report.version}`,
    wide: true,
    body: html`<section aria-labelledby="s-summary"><h2 id="s-summary">Summary</h2>${summary}<p>As of ${utc(report.asOf)}.</p></section>
<section aria-labelledby="s-chart"><h2 id="s-chart">Weight and error rate over time</h2><figure>${trusted(renderChartSvg(report, 'report-chart'))}
<figcaption>Top: the % of traffic requested on the new version, stepping at each shift. Bottom: the error rate of the old (dashed) and new versions over each step's observation window, a point where the step was checked. Every number is in the table below.</figcaption></figure></section>
<section aria-labelledby="s-steps"><h2 id="s-steps">Canary steps</h2>${stepsTable(report)}</section>
<section aria-labelledby="s-smoke"><h2 id="s-smoke">Smoke tests</h2>${smokeTable(report)}</section>`,
  });
}
