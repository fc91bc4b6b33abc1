import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CanaryReport } from '../../lambdas/core/canary-report';
import type { Change } from '../../lambdas/core/change';
import { ROOT } from '../../lib/local/runtime';
import { inProgressChange, promotedChange, rolledBackChange } from '../fixtures/canary-changes';
import { approvalLink, exampleChange, type Stack, startStack, trafficUntil, waitForStatus } from '../integration/local-stack';

/**
 * GET /changes/{id}/report over real HTTP on the local stack, and `cmv report`: changes with a
 * recorded deployment history are seeded through the store (one ledgered commit each), and one
 * canary is run for real by the workflow with live traffic.
 */
jest.setTimeout(180_000);

const run = promisify(execFile);

describe('canary report (local stack)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ speed: 60 });
    for (const change of [promotedChange, rolledBackChange, inProgressChange]) {
      await stack.runtime.services.store.commit([{ kind: 'change', record: change, expectedRevision: null }], {
        type: 'ChangeProposed',
        changeId: change.changeId,
        target: change.target,
        actor: 'test-seed',
        details: { seeded: 'canary report fixture' },
      });
    }
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const get = (id: string, headers: Record<string, string> = {}) =>
    fetch(`${stack.runtime.url}/changes/${encodeURIComponent(id)}/report`, { headers: { 'x-user': 'erin', ...headers } });
  const cli = (...args: string[]) =>
    run(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'bin', 'cmv.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, CMV_API_URL: stack.runtime.url, CMV_USER: 'erin' },
    });

  describe('GET /changes/{id}/report', () => {
    it('answers JSON by default with the header and every field of each step', async () => {
      // Act
      const res = await get('chg-promoted');
      const report = (await res.json()) as CanaryReport;

      // Assert
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('vary')).toBe('Accept');
      expect(report).toMatchObject({
        changeId: 'chg-promoted',
        target: 'benefit-calculator',
        version: '1.1.0',
        fromVersion: '1.0.0',
        strategy: 'alias-weights',
        status: 'deployed',
        outcome: 'deployed',
      });
      expect(report.steps.map((s) => [s.weight, s.observedNewPercent, s.old?.requests, s.new?.requests, s.new?.p99Ms, s.alarms[0]?.state, s.decision])).toEqual(
        [
          [10, 9.75, 1083, 117, 131, 'OK', 'continue'],
          [50, 49.67, 604, 596, 127, 'OK', 'continue'],
          [100, 100, 0, 3000, 125, 'OK', 'promote'],
        ],
      );
      expect(report.smokeTests).toHaveLength(2);
      expect(report.timeline.weight.map((p) => p.percent)).toEqual([0, 10, 50, 100]);
    });

    it('reports the step in progress with empty observations, up to now', async () => {
      // Act
      const report = (await (await get('chg-in-progress')).json()) as CanaryReport;

      // Assert
      expect(report.steps.map((s) => [s.weight, s.state, s.decision])).toEqual([
        [10, 'decided', 'continue'],
        [50, 'baking', null],
      ]);
      expect(report.steps[1]).toMatchObject({ observedNewPercent: null, old: null, new: null, alarms: [] });
      expect(Date.parse(report.timeline.to ?? '')).toBeGreaterThan(Date.parse('2026-03-07T10:02:01.000Z'));
    });

    it('answers an HTML page with the chart, the step table and the smoke tests when the browser asks for HTML', async () => {
      // Act
      const res = await get('chg-rolled-back', { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' });
      const html = await res.text();

      // Assert
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(html).toContain('<h1>Canary report: benefit-calculator 1.2.0</h1>');
      expect(html).toMatch(/<svg [^>]*role="img" aria-labelledby="report-chart-title report-chart-desc"/);
      expect(html).toContain('data-series="weight"');
      expect(html).toContain('data-series="error-rate-new"');
      expect(html).toMatch(
        /<tr><th scope="row">1<\/th><td class="num">10 %<\/td>.*<td class="num">702 \/ 79<\/td><td class="num">0\.14 % \(1\) \/ 34\.18 % \(27\)<\/td>/,
      );
      expect(html).toContain('<td class="rollback">rollback</td>');
      expect(html).toContain('id="smoke-tests"');
      expect(html).not.toContain('<script');
    });

    it('answers JSON when the caller prefers JSON to HTML', async () => {
      // Act
      const res = await get('chg-promoted', { accept: 'application/json, text/html;q=0.5' });

      // Assert
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    });

    it('rejects an unknown change with 404', async () => {
      // Act
      const res = await get('chg-nope');

      // Assert
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ message: 'change chg-nope does not exist' });
    });

    it('rejects a caller who is not signed in with 401', async () => {
      // Act
      const res = await fetch(`${stack.runtime.url}/changes/chg-promoted/report`);

      // Assert
      expect(res.status).toBe(401);
    });
  });

  describe('cmv report', () => {
    it('prints the table and the chart', async () => {
      // Act
      const { stdout } = await cli('report', 'chg-rolled-back');

      // Assert
      expect(stdout).toContain('Canary report: benefit-calculator 1.2.0');
      expect(stdout).toMatch(/ {2}1 {2}10 % +2026-03-07T10:00:00Z .* 702 \/ 79 .* rollback\n/);
      expect(stdout).toContain('Requested weight on the new version (%)');
      expect(stdout).toContain('New version error rate (%)');
    });

    it('prints the report as JSON with --json', async () => {
      // Act
      const { stdout } = await cli('report', 'chg-promoted', '--json');

      // Assert
      expect((JSON.parse(stdout) as CanaryReport).steps).toHaveLength(3);
    });

    it('exits 2 for an unknown change', async () => {
      // Act
      const failed = await cli('report', 'chg-nope').catch((err: { code: number; stderr: string }) => err);

      // Assert
      expect(failed).toMatchObject({ code: 2, stderr: expect.stringContaining('404: change chg-nope does not exist') });
    });
  });

  it('reports what a real canary observed, step by step, once the workflow deployed it', async () => {
    // Arrange
    const { changeId } = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json'));
    await waitForStatus(stack.api, changeId, ['awaiting_approval']);
    const link = await approvalLink(stack, changeId, 'bob@example.org');
    await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve&comment=ok' });
    const deployed = waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed']);
    await trafficUntil(stack.api, deployed);
    const change: Change = await deployed;

    // Act
    const report = await stack.api.report(changeId);

    // Assert
    expect(change.status).toBe('deployed');
    expect(report).toMatchObject({ outcome: 'deployed', fromVersion: '1.0.0', version: '1.1.0', fromFunctionVersion: '1', toFunctionVersion: '2' });
    expect(report.steps.map((s) => [s.weight, s.decision])).toEqual([
      [10, 'continue'],
      [50, 'continue'],
      [100, 'promote'],
    ]);
    expect(report.steps.every((s) => s.checkedAt && s.alarms.some((a) => a.name === 'cmv-benefit-calculator-error-rate'))).toBe(true);
    // What each step observed needs a metrics reader (CloudWatch GetMetricData; locally the
    // CloudWatch stand-in): with one, the split and the stats are there; without, they are null.
    const observed = report.steps.map((s) => (s.old && s.new ? s.old.requests + s.new.requests : null));
    expect(observed).toEqual(stack.runtime.services.metrics ? [expect.any(Number), expect.any(Number), expect.any(Number)] : [null, null, null]);
    if (stack.runtime.services.metrics) expect(Math.min(...(observed as number[]))).toBeGreaterThan(0);
    expect(report.smokeTests.map((r) => [r.phase, r.passed])).toEqual([
      ['before-traffic', true],
      ['after-traffic', true],
    ]);
  });
});
