import type { CanaryReport } from './canary-report';

import { formatDuration, formatPercent, niceMax, utc } from './canary-report-text';
import { escapeMarkup, svgNumber } from './markup';

/** The canary report's chart as SVG (the change page): weight and error rate of old and new over time. */
// ---------------------------------------------------------------------------------------------
// SVG (the change's report page)

const xml = escapeMarkup;
const num = svgNumber;

/** Geometry of the chart, in SVG user units. */
const W = 760;
const H = 440;
const LEFT = 72;
const RIGHT = W - 24;
const WEIGHT_TOP = 48;
const WEIGHT_BOTTOM = 208;
const ERROR_TOP = 244;
const ERROR_BOTTOM = 372;
const COLORS = { weight: '#1a5fb4', new: '#c01c28', old: '#5e5c64' } as const;

/**
 * The chart of the report as an accessible inline SVG (no script): a title and a description that
 * says what it shows in words, the requested weight (top, 0–100 %) as a step line with a point at
 * each shift, and the old and new versions' error rates (bottom, %) as lines over each step's
 * observation window with a point at each check; a shared time axis (UTC).
 * @param idPrefix - prefix of the ids `title`/`desc` refer to (unique per page)
 */
export function renderChartSvg(report: CanaryReport, idPrefix = 'canary-chart'): string {
  const id = xml(idPrefix);
  const title = `Canary of ${report.target} ${report.version}: requested weight and error rate over time`;
  const open = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" style="max-width:${W}px" role="img" aria-labelledby="${id}-title ${id}-desc" font-family="system-ui,sans-serif" font-size="12">
<title id="${id}-title">${xml(title)}</title>
<desc id="${id}-desc">${xml(describe(report))}</desc>`;
  const t = report.timeline;
  if (!t.from || !t.to) {
    return `${open}<text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-size="16">No canary step recorded yet.</text></svg>`;
  }
  const from = Date.parse(t.from);
  const span = Math.max(1, Date.parse(t.to) - from);
  const x = (iso: string) => LEFT + ((Date.parse(iso) - from) / span) * (RIGHT - LEFT);
  const yWeight = (p: number) => WEIGHT_BOTTOM - (p / 100) * (WEIGHT_BOTTOM - WEIGHT_TOP);
  const errorMax = niceMax(Math.max(0, ...t.errorRate.flatMap((s) => [s.old ?? 0, s.new ?? 0])));
  const yError = (p: number) => ERROR_BOTTOM - (Math.min(p, errorMax) / errorMax) * (ERROR_BOTTOM - ERROR_TOP);
  const parts: string[] = [open, legend()];

  // Axes with % labels and grid lines.
  parts.push(yAxis('Weight (%)', [0, 25, 50, 75, 100], yWeight, WEIGHT_TOP, WEIGHT_BOTTOM, 'weight'));
  parts.push(
    yAxis(
      'Error rate (%)',
      [0, 0.25, 0.5, 0.75, 1].map((f) => f * errorMax),
      yError,
      ERROR_TOP,
      ERROR_BOTTOM,
      'error-rate',
    ),
  );
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => new Date(from + f * span).toISOString());
  const withDate = span > 86_400_000 || ticks[0].slice(0, 10) !== ticks[4].slice(0, 10);
  parts.push(
    `<g class="axis x-axis" aria-hidden="true">${ticks
      .map((iso, i) => {
        const label = withDate ? `${iso.slice(5, 10)} ${iso.slice(11, 19)}` : iso.slice(11, 19);
        const anchor = i === 0 ? 'start' : i === 4 ? 'end' : 'middle';
        return `<line x1="${num(x(iso))}" y1="${ERROR_BOTTOM}" x2="${num(x(iso))}" y2="${ERROR_BOTTOM + 5}" stroke="#1a1a1a"/><text x="${num(x(iso))}" y="${ERROR_BOTTOM + 19}" text-anchor="${anchor}">${label}</text>`;
      })
      .join(
        '',
      )}<text x="${(LEFT + RIGHT) / 2}" y="${H - 16}" text-anchor="middle">Time (UTC), ${xml(t.from.slice(0, 10))}; ${formatDuration(span / 1000)} in all</text></g>`,
  );
  // Step shifts: a faint vertical line through both panels.
  parts.push(
    `<g class="step-marks" aria-hidden="true" stroke="#999" stroke-dasharray="2 3">${report.steps
      .map((s) => `<line x1="${num(x(s.at))}" y1="${WEIGHT_TOP}" x2="${num(x(s.at))}" y2="${ERROR_BOTTOM}"/>`)
      .join('')}</g>`,
  );

  // Weight: a step line, each point holds until the next; a point at each shift.
  let d = '';
  t.weight.forEach((p, i) => {
    d += i === 0 ? `M${num(x(p.at))} ${num(yWeight(p.percent))}` : `H${num(x(p.at))}V${num(yWeight(p.percent))}`;
  });
  if (t.weight[t.weight.length - 1].at !== t.to) d += `H${num(x(t.to))}`;
  parts.push(
    `<g class="series" data-series="weight" aria-label="requested weight"><path d="${d}" fill="none" stroke="${COLORS.weight}" stroke-width="2.5"/>${report.steps
      .map(
        (s) =>
          `<circle class="point" cx="${num(x(s.at))}" cy="${num(yWeight(s.weight))}" r="4" fill="${COLORS.weight}"><title>Step ${s.step}: ${s.weight} % requested at ${utc(s.at)}</title></circle>`,
      )
      .join('')}</g>`,
  );

  // Error rates: a line over each observation window (a gap where a rate is unknown); a point at each check.
  for (const side of ['new', 'old'] as const) {
    let path = '';
    let drawing = false;
    const points: string[] = [];
    for (const seg of t.errorRate) {
      const v = seg[side];
      if (v === null) {
        drawing = false;
        continue;
      }
      path += `${drawing ? 'L' : 'M'}${num(x(seg.from))} ${num(yError(v))}H${num(x(seg.to))}`;
      drawing = true;
      const shape =
        side === 'new'
          ? `<circle class="point" cx="${num(x(seg.to))}" cy="${num(yError(v))}" r="4" fill="${COLORS.new}">`
          : `<rect class="point" x="${num(x(seg.to) - 3.5)}" y="${num(yError(v) - 3.5)}" width="7" height="7" fill="${COLORS.old}">`;
      points.push(
        `${shape}<title>Step ${seg.step}: ${side} version ${formatPercent(v)} errors (${utc(seg.from)} – ${utc(seg.to)})</title>${side === 'new' ? '</circle>' : '</rect>'}`,
      );
    }
    const dash = side === 'old' ? ' stroke-dasharray="6 4"' : '';
    parts.push(
      `<g class="series" data-series="error-rate-${side}" aria-label="${side} version error rate"><path d="${path}" fill="none" stroke="${COLORS[side]}" stroke-width="2"${dash}/>${points.join('')}</g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

function legend(): string {
  const item = (x: number, color: string, dash: string, label: string) =>
    `<line x1="${x}" y1="18" x2="${x + 24}" y2="18" stroke="${color}" stroke-width="2.5"${dash}/><text x="${x + 30}" y="22">${label}</text>`;
  return `<g class="legend" aria-hidden="true">${item(LEFT, COLORS.weight, '', 'requested weight')}${item(LEFT + 170, COLORS.new, '', 'new version error rate')}${item(LEFT + 370, COLORS.old, ' stroke-dasharray="6 4"', 'old version error rate')}</g>`;
}

function yAxis(label: string, ticks: readonly number[], y: (v: number) => number, top: number, bottom: number, cls: string): string {
  const mid = (top + bottom) / 2;
  return `<g class="axis y-axis ${cls}" aria-hidden="true"><line x1="${LEFT}" y1="${top}" x2="${LEFT}" y2="${bottom}" stroke="#1a1a1a"/><line x1="${LEFT}" y1="${bottom}" x2="${RIGHT}" y2="${bottom}" stroke="#1a1a1a"/>${ticks
    .map(
      (v) =>
        `<line x1="${LEFT}" y1="${num(y(v))}" x2="${RIGHT}" y2="${num(y(v))}" stroke="#ddd"/><text x="${LEFT - 6}" y="${num(y(v) + 4)}" text-anchor="end">${formatPercent(v)}</text>`,
    )
    .join('')}<text x="16" y="${mid}" transform="rotate(-90 16 ${mid})" text-anchor="middle">${xml(label)}</text></g>`;
}

/** The chart in words, for screen readers (the page's table has every number). */
function describe(report: CanaryReport): string {
  if (report.steps.length === 0) return `No canary step of ${report.target} ${report.version} is recorded yet; the change is ${report.status}.`;
  const weights = report.steps.map((s) => `${s.weight} %`).join(' → ');
  const observed = report.steps.filter((s) => s.new?.errorRatePercent !== null && s.new?.errorRatePercent !== undefined);
  const peak = (side: 'old' | 'new') => Math.max(...observed.map((s) => s[side]?.errorRatePercent ?? 0));
  const errors = observed.length
    ? `The new version's error rate peaked at ${formatPercent(peak('new'))} (old version: ${formatPercent(peak('old'))}).`
    : `No error rate was ${report.outcome ? 'recorded' : 'observed yet'}.`;
  const end = report.outcome === 'rolled_back' ? ' Then traffic went back to the old version (0 %).' : '';
  return `Requested weight on the new version went ${weights}${report.timeline.from ? ` from ${utc(report.timeline.from)} to ${utc(report.timeline.to ?? report.timeline.from)}` : ''}.${end} ${errors} Outcome: ${report.outcome ?? 'in progress'}.`;
}
