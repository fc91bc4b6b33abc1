import type { HealthCheck } from '../../../lambdas/core/canary-health';
import { canaryReport, canaryReportSha256 } from '../../../lambdas/core/canary-report';
import { renderChartSvg } from '../../../lambdas/core/canary-report-svg';
import { formatDuration, niceMax, renderReportText } from '../../../lambdas/core/canary-report-text';
import type { Change } from '../../../lambdas/core/change';
import { inProgressChange, promotedChange, rolledBackChange } from '../../fixtures/canary-changes';

/** The `d` attribute of the path of one chart series. */
const seriesPath = (svg: string, series: string) => new RegExp(`data-series="${series}"[^>]*><path d="([^"]*)"`).exec(svg)?.[1];
const seriesPoints = (svg: string, series: string) =>
  (new RegExp(`data-series="${series}"[^>]*>(.*?)</g>`, 's').exec(svg)?.[1].match(/class="point"/g) ?? []).length;

describe('canary-report', () => {
  describe('canaryReport()', () => {
    it('reports the header and every recorded field of each step of a promoted canary', () => {
      // Act
      const report = canaryReport(promotedChange);

      // Assert
      expect(report).toMatchObject({
        changeId: 'chg-promoted',
        target: 'benefit-calculator',
        version: '1.1.0',
        fromVersion: '1.0.0',
        fromFunctionVersion: '1',
        toFunctionVersion: '2',
        strategy: 'alias-weights',
        plannedSteps: [10, 50, 100],
        status: 'deployed',
        outcome: 'deployed',
        reason: null,
        startedAt: '2026-03-07T09:59:30.000Z',
        endedAt: '2026-03-07T10:09:30.000Z',
      });
      expect(report.steps.map((s) => [s.step, s.weight, s.state, s.decision, s.observedNewPercent])).toEqual([
        [1, 10, 'decided', 'continue', 9.75],
        [2, 50, 'decided', 'continue', 49.67],
        [3, 100, 'decided', 'promote', 100],
      ]);
      expect(report.steps[0]).toEqual({
        step: 1,
        weight: 10,
        at: '2026-03-07T10:00:00.000Z',
        checkedAt: '2026-03-07T10:02:00.000Z',
        state: 'decided',
        observedNewPercent: 9.75,
        window: { from: '2026-03-07T10:00:00.000Z', to: '2026-03-07T10:02:00.000Z' },
        old: { requests: 1083, errors: 2, throttles: 0, errorRatePercent: 0.18, p99Ms: 118 },
        new: { requests: 117, errors: 0, throttles: 0, errorRatePercent: 0, p99Ms: 131 },
        alarms: [{ name: 'cmv-benefit-calculator-error-rate', state: 'OK' }],
        decision: 'continue',
        reason: 'healthy at 10%',
      });
      expect(report.smokeTests.map((r) => [r.phase, r.passed])).toEqual([
        ['before-traffic', true],
        ['after-traffic', true],
      ]);
    });

    it('builds the chart timeline from the start of the deployment to its end, weight 0 before the first shift', () => {
      // Act
      const { timeline } = canaryReport(promotedChange);

      // Assert
      expect(timeline.from).toBe('2026-03-07T09:59:30.000Z');
      expect(timeline.to).toBe('2026-03-07T10:09:30.000Z');
      expect(timeline.weight.map((p) => p.percent)).toEqual([0, 10, 50, 100]);
      expect(timeline.errorRate).toEqual([
        { step: 1, from: '2026-03-07T10:00:00.000Z', to: '2026-03-07T10:02:00.000Z', old: 0.18, new: 0 },
        { step: 2, from: '2026-03-07T10:02:01.000Z', to: '2026-03-07T10:04:01.000Z', old: 0.17, new: 0.17 },
        { step: 3, from: '2026-03-07T10:04:02.000Z', to: '2026-03-07T10:09:02.000Z', old: null, new: 0.1 },
      ]);
    });

    it('reports the rollback decision, the alarm in ALARM and the reason when the canary was rolled back', () => {
      // Act
      const report = canaryReport(rolledBackChange);

      // Assert
      expect(report.outcome).toBe('rolled_back');
      expect(report.reason).toMatch(/^alarm cmv-benefit-calculator-error-rate in ALARM at 10%/);
      expect(report.steps).toHaveLength(1);
      expect(report.steps[0]).toMatchObject({ decision: 'rollback', alarms: [{ state: 'ALARM' }], new: { errors: 27, errorRatePercent: 34.18 } });
      expect(report.timeline.weight.map((p) => p.percent)).toEqual([0, 10, 0]);
    });

    it('leaves the fields of the step in progress null when the canary is baking', () => {
      // Act
      const report = canaryReport(inProgressChange);

      // Assert
      expect(report.outcome).toBeNull();
      expect(report.endedAt).toBeNull();
      expect(report.currentWeight).toBe(50);
      expect(report.steps[1]).toEqual({
        step: 2,
        weight: 50,
        at: '2026-03-07T10:02:01.000Z',
        checkedAt: null,
        state: 'baking',
        observedNewPercent: null,
        window: null,
        old: null,
        new: null,
        alarms: [],
        decision: null,
        reason: null,
      });
      expect(report.timeline.errorRate.map((s) => s.step)).toEqual([1]);
    });

    it('extends a running deployment to `now`', () => {
      // Act
      const report = canaryReport(inProgressChange, { now: new Date('2026-03-07T10:03:00.000Z') });

      // Assert
      expect(report.asOf).toBe('2026-03-07T10:03:00.000Z');
      expect(report.timeline.to).toBe('2026-03-07T10:03:00.000Z');
    });

    it('marks the step in progress paused when the canary is paused', () => {
      // Arrange
      const d = inProgressChange.deployment as NonNullable<Change['deployment']>;
      const paused: Change = { ...inProgressChange, deployment: { ...d, paused: { by: 'dana', at: '2026-03-07T10:02:30.000Z', reason: 'watching latency' } } };

      // Act
      const report = canaryReport(paused);

      // Assert
      expect(report.steps[1].state).toBe('paused');
      expect(report.paused).toEqual({ by: 'dana', at: '2026-03-07T10:02:30.000Z', reason: 'watching latency' });
    });

    it('marks an undecided last step interrupted when an alarm event rolled the deployment back during its bake', () => {
      // Arrange
      const d = inProgressChange.deployment as NonNullable<Change['deployment']>;
      const reason = 'alarm cmv-benefit-calculator-error-rate went to ALARM';
      const cut: Change = {
        ...inProgressChange,
        status: 'rolled_back',
        reason,
        updatedAt: '2026-03-07T10:02:40.000Z',
        deployment: { ...d, outcome: 'rolled_back', currentWeight: 0, reason },
      };

      // Act
      const report = canaryReport(cut);

      // Assert
      expect(report.steps[1].state).toBe('interrupted');
      expect(report.endedAt).toBe('2026-03-07T10:02:40.000Z');
      expect(report.timeline.weight.at(-1)).toEqual({ at: '2026-03-07T10:02:40.000Z', percent: 0 });
    });

    it('describes an ended deployment as of its recorded end, whatever the time it is read and whatever the change later records', () => {
      // Arrange: a PIR recorded a day later moved the change's updatedAt
      const d = rolledBackChange.deployment as NonNullable<Change['deployment']>;
      const ended: Change = { ...rolledBackChange, deployment: { ...d, endedAt: '2026-03-07T10:04:10.000Z' } };
      const reviewedLater: Change = { ...ended, updatedAt: '2026-03-08T09:00:00.000Z', revision: ended.revision + 1 };

      // Act
      const atEnd = canaryReport(ended);
      const readLater = canaryReport(reviewedLater, { now: new Date('2026-03-09T00:00:00.000Z') });

      // Assert
      expect(atEnd.asOf).toBe('2026-03-07T10:04:10.000Z');
      expect(atEnd.endedAt).toBe('2026-03-07T10:04:10.000Z');
      expect(readLater).toEqual(atEnd);
      expect(canaryReportSha256(readLater)).toBe(canaryReportSha256(atEnd));
    });

    it('marks the last step of a deployment that failed (ended without an outcome) interrupted, not baking', () => {
      // Arrange
      const d = inProgressChange.deployment as NonNullable<Change['deployment']>;
      const failed: Change = { ...inProgressChange, status: 'failed', reason: 'boom', deployment: { ...d, endedAt: '2026-03-07T10:02:50.000Z' } };

      // Act
      const report = canaryReport(failed, { now: new Date('2026-03-07T11:00:00.000Z') });

      // Assert
      expect(report.steps.at(-1)?.state).toBe('interrupted');
      expect(report.endedAt).toBe('2026-03-07T10:02:50.000Z');
      expect(report.asOf).toBe('2026-03-07T10:02:50.000Z');
    });

    it('hashes a report as canonical JSON (RFC 8785): key order and a JSON round trip do not change its SHA-256', () => {
      // Arrange
      const report = canaryReport(promotedChange);
      const roundTripped = JSON.parse(JSON.stringify(report, null, 2));
      const reordered = Object.fromEntries(Object.entries(report).reverse());

      // Act
      const hash = canaryReportSha256(report);

      // Assert
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      expect(canaryReportSha256(roundTripped)).toBe(hash);
      expect(canaryReportSha256(reordered as typeof report)).toBe(hash);
      expect(canaryReportSha256({ ...report, reason: 'edited' })).not.toBe(hash);
    });

    it('reports no steps and no timeline for a change that has not deployed yet', () => {
      // Arrange
      const { deployment: _, ...rest } = promotedChange;
      const waiting: Change = { ...rest, status: 'awaiting_approval' };

      // Act
      const report = canaryReport(waiting);

      // Assert
      expect(report).toMatchObject({ strategy: null, steps: [], smokeTests: [], plannedSteps: [10, 50, 100], fromVersion: '1.0.0' });
      expect(report.timeline).toEqual({ from: null, to: null, weight: [], errorRate: [] });
    });
  });

  describe('health-driven steps', () => {
    const slow: HealthCheck = {
      verdict: 'unhealthy',
      comparisons: [
        { name: 'sample', result: 'pass', value: 79, limit: 50, text: 'sample 79 requests ≥ 50' },
        { name: 'p99', result: 'fail', value: 612, limit: 400, text: 'p99 612 ms > 400 ms' },
        { name: 'errors-vs-old', result: 'skipped', value: null, limit: 0.01, text: 'errors vs old: skipped, old version served 0 requests < 50' },
      ],
    };
    const ramped: Change = {
      ...rolledBackChange,
      deployment: rolledBackChange.deployment && {
        ...rolledBackChange.deployment,
        history: rolledBackChange.deployment.history.map((h) => ({ ...h, health: slow, reason: 'unhealthy at 10%: p99 612 ms > 400 ms' })),
      },
    };

    it('shows each comparison of a step that recorded them, and leaves other steps (and their hash) as they were', () => {
      expect(canaryReport(ramped).steps[0].health).toEqual(slow);
      expect('health' in canaryReport(rolledBackChange).steps[0]).toBe(false);
    });

    it('prints the verdict and each comparison under its step', () => {
      const text = renderReportText(canaryReport(ramped));

      expect(text).toContain('     health: unhealthy\n       ok    sample 79 requests ≥ 50\n       FAIL  p99 612 ms > 400 ms\n       skip  errors vs old');
    });
  });

  describe('renderReportText()', () => {
    it('prints the header, one table row per step with its alarms and reason, and the smoke tests', () => {
      // Act
      const text = renderReportText(canaryReport(promotedChange));

      // Assert
      expect(text).toContain('Canary report: benefit-calculator 1.1.0');
      expect(text).toContain('1.0.0 (function version 1) → 1.1.0 (function version 2)');
      expect(text).toMatch(/weight\s+shifted at\s+baked\s+new share\s+requests old\/new\s+errors old\/new\s+error rate old\/new\s+p99 ms old\/new\s+decision/);
      expect(text).toMatch(/\n {2}1 {2}10 % +2026-03-07T10:00:00Z {2}2m00s {2}9\.75 % +1083 \/ 117 +2 \/ 0 +0\.18 % \/ 0 % +118 \/ 131 +continue\n/);
      expect(text).toMatch(/\n {2}3 {2}100 % +2026-03-07T10:04:02Z {2}5m00s {2}100 % +0 \/ 3000 +0 \/ 3 +— \/ 0\.1 % +— \/ 125 +promote\n/);
      expect(text).toContain('alarms: cmv-benefit-calculator-error-rate OK; reason: healthy at 100% after the last bake');
      expect(text).toMatch(/after-traffic +passed +2026-03-07T10:09:30Z/);
    });

    it('draws the weight and the new version error rate over time, with the step shifts under them', () => {
      // Act
      const text = renderReportText(canaryReport(rolledBackChange));

      // Assert
      expect(text).toContain('Requested weight on the new version (%)');
      expect(text).toContain('New version error rate (%)');
      expect(text).toMatch(/ {4}100 % ┼/);
      expect(text).toMatch(/ {3}50\.0 % ┼/); // the error-rate axis is scaled to the 34 % peak
      expect(text).toMatch(/ 1 {3}← step shifts/);
      expect(text).toMatch(/2026-03-07T09:59:30Z +\+1m40s/);
      expect(text.split('\n').every((l) => l === l.trimEnd())).toBe(true);
    });

    it('shows dashes and "baking" for the step in progress', () => {
      // Act
      const text = renderReportText(canaryReport(inProgressChange));

      // Assert
      expect(text).toMatch(/\n {2}2 {2}50 % +2026-03-07T10:02:01Z {2}— +— +— \/ — +— \/ — +— \/ — +— \/ — +baking\n {5}alarms: —/);
      expect(text).toContain('Outcome   in progress');
    });

    it('says there is nothing to chart for a change that has not deployed yet', () => {
      // Arrange
      const { deployment: _, ...rest } = promotedChange;

      // Act
      const text = renderReportText(canaryReport({ ...rest, status: 'awaiting_approval' }));

      // Assert
      expect(text).toContain('no canary step yet');
      expect(text).toContain('Chart: not enough data yet');
    });
  });

  describe('renderChartSvg()', () => {
    it('renders an accessible SVG: role img, a title and a description the element refers to, no script', () => {
      // Act
      const svg = renderChartSvg(canaryReport(rolledBackChange), 'report-chart');

      // Assert
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* role="img" aria-labelledby="report-chart-title report-chart-desc"/);
      expect(svg).toContain('<title id="report-chart-title">Canary of benefit-calculator 1.2.0: requested weight and error rate over time</title>');
      expect(svg).toMatch(/<desc id="report-chart-desc">Requested weight on the new version went 10 % from .*peaked at 34\.18 % \(old version: 0\.14 %\)/);
      expect(svg).not.toMatch(/<script|\son\w+=/i);
    });

    it('draws the weight as a step line with a point per step and the error rates with a point per observed step', () => {
      // Act
      const svg = renderChartSvg(canaryReport(promotedChange));

      // Assert
      expect(seriesPath(svg, 'weight')).toMatch(/^M72 208(H[\d.]+V[\d.]+){3}H736$/);
      expect(seriesPoints(svg, 'weight')).toBe(3);
      expect(seriesPoints(svg, 'error-rate-new')).toBe(3);
      expect(seriesPoints(svg, 'error-rate-old')).toBe(2); // the old version served nothing at 100 %
      expect(seriesPath(svg, 'error-rate-new')).toMatch(/^M[\d.]+ [\d.]+H[\d.]+(L[\d.]+ [\d.]+H[\d.]+){2}$/);
    });

    it('labels both value axes in % and the time axis in UTC', () => {
      // Act
      const svg = renderChartSvg(canaryReport(rolledBackChange));

      // Assert
      for (const label of ['0 %', '25 %', '50 %', '75 %', '100 %', '12.5 %', '37.5 %', 'Weight (%)', 'Error rate (%)', '09:59:30', '10:01:10']) {
        expect(svg).toContain(`>${label}</text>`);
      }
      expect(svg).toContain('Time (UTC), 2026-03-07; 1m40s in all');
    });

    it('escapes text from the change', () => {
      // Arrange
      const odd: Change = { ...rolledBackChange, target: 'calc<&>"x' };

      // Act
      const svg = renderChartSvg(canaryReport(odd), 'a"b');

      // Assert
      expect(svg).toContain('Canary of calc&lt;&amp;&gt;&quot;x 1.2.0');
      expect(svg).toContain('aria-labelledby="a&quot;b-title a&quot;b-desc"');
      expect(svg).not.toContain('calc<');
    });

    it('says that nothing is recorded yet for a change without canary steps', () => {
      // Arrange
      const { deployment: _, ...rest } = promotedChange;

      // Act
      const svg = renderChartSvg(canaryReport({ ...rest, status: 'testing' }));

      // Assert
      expect(svg).toContain('No canary step recorded yet.');
      expect(svg).not.toContain('data-series');
    });
  });

  describe('niceMax()', () => {
    it.each([
      [0, 1],
      [0.4, 1],
      [1.5, 2],
      [3, 5],
      [34.18, 50],
      [100, 100],
    ])('rounds %p up to %p', (value, expected) => {
      expect(niceMax(value)).toBe(expected);
    });
  });

  describe('formatDuration()', () => {
    it.each([
      [45, '45s'],
      [120, '2m00s'],
      [7500, '2h05m'],
    ])('formats %p s as %p', (s, expected) => {
      expect(formatDuration(s)).toBe(expected);
    });
  });
});
