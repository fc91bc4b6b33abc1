import { plot } from 'asciichart';
import type { HealthComparison } from './canary-health';
import type { CanaryReport, CanaryReportStep } from './canary-report';
import { describeCanaryPlan } from './strategies/alias-weights';
import { strategyOf } from './strategies/registry';

/** The canary report as text for a terminal (`cmv report`): a summary, a table of steps, the smoke tests and an ASCII chart. */
// Text (the CLI)

/** `12.5 %`; `—` for null. Two decimals at most. */
export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${Number(value.toFixed(2))} %`;
}

/** `2h05m`, `4m30s`, `45s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const seconds = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;
const pair = (a: number | null | undefined, b: number | null | undefined, f: (v: number) => string = String) =>
  `${a === null || a === undefined ? '—' : f(a)} / ${b === null || b === undefined ? '—' : f(b)}`;
export const utc = (iso: string) => iso.replace(/\.\d+Z$/, 'Z');

/** A plain-text table: columns padded to their widest cell. */
function table(header: readonly string[], rows: readonly (readonly string[])[], indent = '  '): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => `${indent}${cells.map((c, i) => c.padEnd(widths[i])).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
}

/** The header lines shared by the text and the HTML: versions, strategy, status. */
export function reportSummary(report: CanaryReport): [string, string][] {
  const fn = (v: string | null) => (v ? ` (function version ${v})` : '');
  // Before it deploys, the report shows the canary its plan holds.
  const plan = report.strategy ? strategyOf(report.strategy).describePlan(report) : describeCanaryPlan('not deployed yet', report);
  const rows: [string, string][] = [
    ['Change', `${report.changeId}: ${report.title}`],
    ['Versions', `${report.fromVersion ?? '—'}${fn(report.fromFunctionVersion)} → ${report.version}${fn(report.toFunctionVersion)}`],
    ['Strategy', plan],
    ['Status', `${report.status}${report.currentWeight === null ? '' : `, ${report.currentWeight} % on the new version`}`],
    ['Outcome', report.outcome ?? (report.strategy ? 'in progress' : '—')],
  ];
  if (report.reason) rows.push(['Reason', report.reason]);
  if (report.startedAt)
    rows.push([
      'Started',
      `${utc(report.startedAt)}${report.endedAt ? `, ended ${utc(report.endedAt)} (${formatDuration(seconds(report.startedAt, report.endedAt))})` : ''}`,
    ]);
  if (report.paused) rows.push(['Paused', `by ${report.paused.by} at ${utc(report.paused.at)}${report.paused.reason ? `: ${report.paused.reason}` : ''}`]);
  if (report.promoteRequested) rows.push(['Promotion', `requested by ${report.promoteRequested.by} at ${utc(report.promoteRequested.at)}`]);
  return rows;
}

/** The decision column: the decision, or what the step is doing. */
export function stepDecision(s: CanaryReportStep): string {
  return s.decision ?? (s.state === 'interrupted' ? 'none (deployment ended)' : s.state);
}

/** `name OK, name2 ALARM`, or `—`. */
export function alarmsText(s: CanaryReportStep): string {
  return s.alarms.length ? s.alarms.map((a) => `${a.name} ${a.state}`).join(', ') : '—';
}

/** `ok  `, `FAIL` or `skip`: how a health comparison came out, in a fixed width. */
export function comparisonMark(c: HealthComparison): string {
  return c.result === 'pass' ? 'ok  ' : c.result === 'fail' ? 'FAIL' : 'skip';
}

const CHART_WIDTH = 60;

/**
 * The report as text for a terminal: summary, the per-step table (each step's alarms and reason on
 * the line below it), the smoke test runs, and an ASCII chart (asciichart) of the requested weight
 * and of the new version's error rate over time, one column per 1/60 of the deployment.
 */
export function renderReportText(report: CanaryReport): string {
  // The summary is a two-column table without a header row.
  const out = [`Canary report: ${report.target} ${report.version}`, ...table(['', ''], reportSummary(report)).slice(1)];
  out.push('', 'Steps');
  if (report.steps.length === 0) out.push('  no canary step yet');
  else {
    const rows = report.steps.map((s) => [
      String(s.step),
      `${s.weight} %`,
      utc(s.at),
      s.checkedAt ? formatDuration(seconds(s.at, s.checkedAt)) : '—',
      formatPercent(s.observedNewPercent),
      pair(s.old?.requests, s.new?.requests),
      pair(s.old?.errors, s.new?.errors),
      pair(s.old?.errorRatePercent, s.new?.errorRatePercent, (v) => formatPercent(v)),
      pair(s.old?.p99Ms, s.new?.p99Ms, (v) => `${Math.round(v)}`),
      stepDecision(s),
    ]);
    const lines = table(
      ['#', 'weight', 'shifted at', 'baked', 'new share', 'requests old/new', 'errors old/new', 'error rate old/new', 'p99 ms old/new', 'decision'],
      rows,
    );
    out.push(lines[0]);
    report.steps.forEach((s, i) => {
      out.push(lines[i + 1], `     alarms: ${alarmsText(s)}${s.reason ? `; reason: ${s.reason}` : ''}`);
      if (s.health) out.push(`     health: ${s.health.verdict}`, ...s.health.comparisons.map((c) => `       ${comparisonMark(c)}  ${c.text}`));
    });
  }
  out.push('', 'Smoke tests');
  if (report.smokeTests.length === 0) out.push('  none run');
  for (const run of report.smokeTests) {
    out.push(`  ${run.phase.padEnd(14)}  ${run.passed ? 'passed' : 'FAILED'}  ${utc(run.at)}`);
    for (const r of run.results) out.push(`    ${r.passed ? 'ok  ' : 'FAIL'}  ${r.name} (version ${r.executedVersion})${r.reason ? `: ${r.reason}` : ''}`);
  }
  out.push('', ...chartText(report));
  return out.join('\n');
}

/** Column of `iso` on a chart `width` columns wide over [from, to]. */
function columnOf(iso: string, from: number, span: number, width: number): number {
  return span <= 0 ? 0 : Math.min(width - 1, Math.max(0, Math.round(((Date.parse(iso) - from) / span) * (width - 1))));
}

function chartText(report: CanaryReport): string[] {
  const t = report.timeline;
  if (!t.from || !t.to || Date.parse(t.to) <= Date.parse(t.from)) return ['Chart: not enough data yet'];
  const from = Date.parse(t.from);
  const span = Date.parse(t.to) - from;
  const col = (iso: string) => columnOf(iso, from, span, CHART_WIDTH);
  const weight = new Array<number>(CHART_WIDTH).fill(0);
  for (const p of t.weight) weight.fill(p.percent, col(p.at));
  // Columns before the first observation read 0 (no traffic yet); columns after the last one are cut.
  const errors = new Array<number>(CHART_WIDTH).fill(0);
  let lastCol = -1;
  for (const seg of t.errorRate) {
    errors.fill(seg.new ?? 0, col(seg.from), col(seg.to) + 1);
    lastCol = Math.max(lastCol, col(seg.to));
  }
  const label = (digits: number) => (x: number) => `${x.toFixed(digits)} %`.padStart(9);
  const errorMax = niceMax(Math.max(...t.errorRate.map((s) => s.new ?? 0)));
  const chart = (series: number[], max: number, height: number, digits: number) =>
    plot(series, { min: 0, max, height, format: label(digits) })
      .split('\n')
      .map((l) => l.trimEnd());
  const lines = ['Requested weight on the new version (%)', ...chart(weight, 100, 10, 0), ''];
  if (lastCol >= 0) lines.push('New version error rate (%)', ...chart(errors.slice(0, lastCol + 1), errorMax, 5, 1));
  else lines.push(`New version error rate (%): nothing observed${report.outcome ? '' : ' yet'}`);
  // asciichart draws the first value on the axis: chart column c is at character 9 + c.
  const pad = ' '.repeat(9);
  const marks = Array.from({ length: CHART_WIDTH }, () => ' ');
  for (const s of report.steps) marks[col(s.at)] = String(s.step % 10);
  const start = `${utc(t.from)}`;
  const end = `+${formatDuration(span / 1000)}`;
  lines.push(`${pad}${marks.join('').trimEnd()}   ← step shifts`, `${pad}${start}${end.padStart(CHART_WIDTH - start.length)}`);
  return lines;
}

/** The smallest of 1, 2, 5 × 10ⁿ (at least 1) at or above `value`: the top of the error-rate axis. */
export function niceMax(value: number): number {
  if (!(value > 1)) return 1;
  const base = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * base).find((m) => m >= value) ?? 10 * base;
}
