import { niceMax } from './canary-report-text';
import type { Breakdown, ComplianceReport } from './compliance-report';
import { escapeMarkup, svgNumber } from './markup';

/**
 * The compliance report's charts as inline SVG (no script, no style attribute: the page's CSP
 * allows neither): horizontal bar charts of the changes by type and by risk level, of the
 * compliance figures and rates in %, and of the rollbacks by cause. Each chart has a title and a
 * description in words; each bar a `<title>` with its exact value. The page's tables hold every number.
 */

/** One bar: `value` null means "no data" (a rate of nothing), drawn as a note, not as a bar of 0. */
export interface Bar {
  readonly key: string;
  readonly label: string;
  readonly value: number | null;
}

/** A bar chart: bars on an axis from 0 to `max`, values shown with `format`. */
export interface BarChart {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly bars: readonly Bar[];
  readonly max: number;
  readonly format: (value: number) => string;
  /** Ticks at whole numbers only (counts). */
  readonly wholeTicks?: boolean;
}

const xml = escapeMarkup;
const num = svgNumber;

/** Geometry, in SVG user units. */
const W = 640;
const LABEL_RIGHT = 196;
const LEFT = 204;
const RIGHT = W - 72;
const TOP = 16;
const ROW = 30;
const BAR = 18;
const COLOR = '#1a5fb4';

/** Renders one bar chart. */
export function barChartSvg(chart: BarChart): string {
  const id = xml(chart.id);
  const bottom = TOP + chart.bars.length * ROW;
  const height = bottom + 36;
  const x = (v: number) => LEFT + (Math.min(v, chart.max) / chart.max) * (RIGHT - LEFT);
  // Counts get whole-number ticks only: a quarter of a change means nothing.
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * chart.max).filter((t) => !chart.wholeTicks || Number.isInteger(t));
  const axis = `<g class="axis" aria-hidden="true">${ticks
    .map(
      (t) =>
        `<line x1="${num(x(t))}" y1="${TOP - 4}" x2="${num(x(t))}" y2="${bottom}" stroke="#ddd"/><text x="${num(x(t))}" y="${bottom + 16}" text-anchor="middle">${xml(chart.format(t))}</text>`,
    )
    .join('')}<line x1="${LEFT}" y1="${TOP - 4}" x2="${LEFT}" y2="${bottom}" stroke="#1a1a1a"/></g>`;
  const bars = chart.bars.map((b, i) => {
    const y = TOP + i * ROW;
    const label = `<text x="${LABEL_RIGHT}" y="${y + BAR - 4}" text-anchor="end">${xml(b.label)}</text>`;
    if (b.value === null) {
      return `<g class="bar-row" data-key="${xml(b.key)}">${label}<text class="no-data" x="${LEFT + 6}" y="${y + BAR - 4}" fill="#5e5c64">no data</text></g>`;
    }
    const width = Math.max(0, x(b.value) - LEFT);
    const value = xml(chart.format(b.value));
    return `<g class="bar-row" data-key="${xml(b.key)}">${label}<rect class="bar" x="${LEFT}" y="${y}" width="${num(width)}" height="${BAR}" fill="${COLOR}"><title>${xml(b.label)}: ${value}</title></rect><text x="${num(LEFT + width + 6)}" y="${y + BAR - 4}">${value}</text></g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" id="${id}" viewBox="0 0 ${W} ${height}" width="100%" role="img" aria-labelledby="${id}-title ${id}-desc" font-family="system-ui,sans-serif" font-size="13">
<title id="${id}-title">${xml(chart.title)}</title>
<desc id="${id}-desc">${xml(chart.description)}</desc>
${axis}${bars.join('')}</svg>`;
}

const count = (v: number) => String(Math.round(v * 100) / 100);
const pct = (v: number) => `${Math.round(v * 100) / 100} %`;
const words = (key: string) => key.replaceAll('_', ' ');

/** A chart of counts by kind, leaving out the `unknown` kind when it counts nothing. */
function countChart(id: string, title: string, what: string, items: readonly Breakdown<string>[]): string {
  const shown = items.filter((b) => b.key !== 'unknown' || b.count > 0);
  const total = shown.reduce((n, b) => n + b.count, 0);
  return barChartSvg({
    id,
    title,
    description: `${total} ${what} in all: ${shown.map((b) => `${words(b.key)} ${b.count}`).join(', ')}.`,
    bars: shown.map((b) => ({ key: b.key, label: words(b.key), value: b.count })),
    max: niceMax(Math.max(1, ...shown.map((b) => b.count))),
    format: count,
    wholeTicks: true,
  });
}

/** The report's four charts, in page order, each with its element id. */
export function complianceCharts(report: ComplianceReport): { id: string; svg: string }[] {
  const rates: Bar[] = [
    { key: 'approval_compliance', label: 'approval compliance', value: report.approvalCompliance.percent },
    { key: 'testing_compliance', label: 'testing compliance', value: report.testingCompliance.percent },
    { key: 'change_success_rate', label: 'change success rate', value: report.changeSuccessRate.percent },
    { key: 'rollback_rate', label: 'rollback rate', value: report.rollbackRate.percent },
    { key: 'emergency_change_rate', label: 'emergency change rate', value: report.emergencyChangeRate.percent },
    { key: 'emergency_missing_review', label: 'emergency, review missing', value: report.emergencyMissingReview.percent },
  ];
  const charts = [
    { id: 'chart-types', svg: countChart('chart-types', 'Changes by change type', 'changes', report.changes.byType) },
    { id: 'chart-risks', svg: countChart('chart-risks', 'Changes by risk level', 'changes', report.changes.byRisk) },
    {
      id: 'chart-rates',
      svg: barChartSvg({
        id: 'chart-rates',
        title: 'Compliance and rates (%)',
        description: rates.map((r) => `${r.label} ${r.value === null ? 'no data' : pct(r.value)}`).join(', '),
        bars: rates,
        max: 100,
        format: pct,
      }),
    },
    { id: 'chart-causes', svg: countChart('chart-causes', 'Rollbacks by cause', 'rollbacks', report.rollbackRate.byCause) },
  ];
  return charts;
}
