import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { inProgressChange, promotedChange, rolledBackChange } from '../fixtures/canary-changes';
import { launchChromium } from './chromium';
import { type Stack, startStack } from './local-stack';

/**
 * The canary report page in a real headless Chromium (see ./chromium.ts, driven by
 * playwright-core), JavaScript off: the step table and the inline SVG chart as a person sees them.
 * The local API server takes the caller from `X-User`, which the browser context sends.
 */
jest.setTimeout(180_000);

describe('canary report page in Chromium (local stack)', () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    // First: without Chromium, every test of this file fails with the sentence that says what to install.
    browser = await launchChromium();
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
    context = await browser.newContext({ javaScriptEnabled: false, extraHTTPHeaders: { 'X-User': 'erin' }, viewport: { width: 1400, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const open = async (changeId: string): Promise<Page> => {
    const page = await context.newPage();
    const res = await page.goto(`${stack.runtime.url}/changes/${changeId}/report`);
    expect(res?.status()).toBe(200);
    return page;
  };
  /** The text of each cell of each body row of the step table. */
  const stepRows = (page: Page) =>
    page
      .locator('#steps tbody tr')
      .evaluateAll((rows: { children: ArrayLike<{ textContent: string | null }> }[]) =>
        rows.map((r) => Array.from(r.children, (c) => (c.textContent ?? '').trim())),
      );

  it('shows one table row per step with weight, split, requests, error rates, p99, alarms, decision and reason', async () => {
    // Act
    const page = await open('chg-promoted');
    const rows = await stepRows(page);

    // Assert
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Canary report: benefit-calculator 1.1.0');
    expect(rows).toEqual([
      [
        '1',
        '10 %',
        '10:00:00Z',
        '10:02:00Z',
        '9.75 %',
        '1083 / 117',
        '0.18 % (2) / 0 % (0)',
        '118 ms / 131 ms',
        'cmv-benefit-calculator-error-rate OK',
        'continue',
        'healthy at 10%',
      ],
      [
        '2',
        '50 %',
        '10:02:01Z',
        '10:04:01Z',
        '49.67 %',
        '604 / 596',
        '0.17 % (1) / 0.17 % (1)',
        '121 ms / 127 ms',
        'cmv-benefit-calculator-error-rate OK',
        'continue',
        'healthy at 50%',
      ],
      [
        '3',
        '100 %',
        '10:04:02Z',
        '10:09:02Z',
        '100 %',
        '0 / 3000',
        '— (0) / 0.1 % (3)',
        '— / 125 ms',
        'cmv-benefit-calculator-error-rate OK',
        'promote',
        'healthy at 100% after the last bake',
      ],
    ]);
    expect(await page.locator('#smoke-tests tbody tr').count()).toBe(4);
    await page.screenshot({ path: process.env.CMV_SCREENSHOT ?? join(stack.dataDir, 'report-page.png'), fullPage: true });
    await page.close();
  });

  it('draws the chart as an image named by its title, with the weight and both error-rate series and a point per step', async () => {
    // Act
    const page = await open('chg-promoted');
    const chart = page.getByRole('img', { name: 'Canary of benefit-calculator 1.1.0: requested weight and error rate over time' });
    const seriesBox = (series: string) => chart.locator(`[data-series="${series}"] path`).boundingBox();

    // Assert
    await expect(chart.isVisible()).resolves.toBe(true);
    const chartBox = await chart.boundingBox();
    const weight = await seriesBox('weight');
    expect(chartBox?.width).toBeGreaterThan(600);
    expect(weight?.width).toBeGreaterThan((chartBox?.width ?? 0) * 0.8); // the step line spans the deployment
    expect(weight?.height).toBeGreaterThan(100); // … and climbs from 0 to 100 %
    expect((await seriesBox('error-rate-new'))?.width).toBeGreaterThan(0);
    expect((await seriesBox('error-rate-old'))?.width).toBeGreaterThan(0);
    expect(await chart.locator('[data-series="weight"] .point').count()).toBe(3);
    expect(await chart.locator('[data-series="error-rate-new"] .point').count()).toBe(3);
    expect(await chart.locator('[data-series="error-rate-old"] .point').count()).toBe(2);
    expect(await chart.locator('text', { hasText: 'Weight (%)' }).count()).toBe(1);
    expect(await chart.locator('text', { hasText: 'Error rate (%)' }).count()).toBe(1);
    await page.close();
  });

  it('shows the rollback: the decision, the alarm in ALARM, and the weight back at 0 %', async () => {
    // Act
    const page = await open('chg-rolled-back');
    const rows = await stepRows(page);
    const d = await page.locator('[data-series="weight"] path').getAttribute('d');

    // Assert
    expect(rows).toHaveLength(1);
    expect(rows[0].slice(8, 10)).toEqual(['cmv-benefit-calculator-error-rate ALARM', 'rollback']);
    expect(rows[0][6]).toBe('0.14 % (1) / 34.18 % (27)');
    expect(await page.getByRole('row', { name: /Outcome/ }).textContent()).toContain('rolled_back');
    expect(d).toMatch(/V208$/); // the last move of the step line is down to 0 %
    expect(await page.locator('svg desc').textContent()).toContain('Then traffic went back to the old version (0 %).');
    await page.close();
  });

  it('shows the step in progress as baking with empty cells', async () => {
    // Act
    const page = await open('chg-in-progress');
    const rows = await stepRows(page);

    // Assert
    expect(rows.map((r) => [r[0], r[1], r[4], r[5], r[9]])).toEqual([
      ['1', '10 %', '9.17 %', '1090 / 110', 'continue'],
      ['2', '50 %', '—', '— / —', 'baking'],
    ]);
    expect(await page.locator('[data-series="error-rate-new"] .point').count()).toBe(1);
    await page.close();
  });
});
