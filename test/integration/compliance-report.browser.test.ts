import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { LedgerEntryDraft } from '../../lambdas/core/ledger';
import { launchChromium } from './chromium';
import { type Stack, startStack, TARGET } from './local-stack';

/**
 * The compliance report page in a real headless Chromium (see ./chromium.ts, driven by
 * playwright-core), JavaScript off: the figures, the four charts and the ledger entries of each
 * figure as a person sees them, under the page's one CSP. The ledger is seeded through the store's
 * port with two changes whose texts are hostile: an approver group named like markup, and a change
 * id that is a script tag.
 */
jest.setTimeout(180_000);

const HOSTILE_GROUP = '<img src=x onerror=alert(1)> & "CAB"';
const HOSTILE_ID = '<script>alert(2)</script>';

describe('compliance report page in Chromium (local stack)', () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  const violations: string[] = [];

  beforeAll(async () => {
    // First: without Chromium, every test of this file fails with the sentence that says what to install.
    browser = await launchChromium();
    stack = await startStack({ speed: 60 });
    const record = (changeId: string, type: string, details: Record<string, unknown> = {}, actor = 'cmv-workflow') =>
      stack.runtime.services.store.commit([], { type, changeId, target: TARGET, actor, details } satisfies LedgerEntryDraft);
    // A deployed change whose quorum (2 of the group) was not reached: one approval exception.
    await record('chg-deployed', 'ChangeProposed', {
      changeType: 'standard',
      riskLevel: 'medium',
      approvals: [{ name: HOSTILE_GROUP, required: 2, eligible: ['bob', 'frank'] }],
      tests: ['unit'],
    });
    await record('chg-deployed', 'TestsPassed', { suites: [{ suite: 'unit', passed: true }] });
    await record('chg-deployed', 'ApprovalRecorded', { decision: 'approve', comment: 'ok' }, 'bob');
    await record('chg-deployed', 'DeploymentStarted', { strategy: 'alias-weights' });
    await record('chg-deployed', 'TrafficShifted', { weight: 100 });
    await record('chg-deployed', 'ChangeDeployed', { version: '1.1.0' });
    // An emergency change rolled back by its alarm.
    await record(HOSTILE_ID, 'ChangeProposed', { changeType: 'emergency', riskLevel: 'high', approvals: [], tests: [] });
    await record(HOSTILE_ID, 'DeploymentStarted', { strategy: 'alias-weights' });
    const restoredAt = new Date().toISOString();
    await record(HOSTILE_ID, 'ChangeRolledBack', {
      trigger: 'alarm',
      alarm: 'cmv-x',
      alarmAt: new Date(Date.parse(restoredAt) - 1500).toISOString(),
      restoredAt,
    });
    context = await browser.newContext({ javaScriptEnabled: false, extraHTTPHeaders: { 'X-User': 'erin' }, viewport: { width: 1400, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const open = async (): Promise<Page> => {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text());
    });
    const res = await page.goto(`${stack.runtime.url}/reports/compliance?format=html`);
    expect(res?.status()).toBe(200);
    return page;
  };

  it('shows every figure with its value and basis, the scope, and the style its CSP allows (no violation)', async () => {
    // Act
    const page = await open();
    const figure = (id: string) => page.locator(`#figures tr[data-figure="${id}"] td`).allTextContents();

    // Assert
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Compliance report');
    expect(await page.locator('#scope').textContent()).toContain(`Targets covered${TARGET}`);
    expect(await figure('approval-compliance')).toEqual(['0 %', '0 of 1 deployed changes had their quorum', '3']);
    expect(await figure('testing-compliance')).toEqual(['100 %', '1 of 1 deployed changes passed every required suite', '3']);
    expect(await figure('rollback-rate')).toEqual(['50 %', '1 of 2 ended deployments were rolled back', '4']);
    expect(await figure('cause-alarm')).toEqual(['1', 'rollbacks', '1']);
    expect(await figure('time-to-restore-mean')).toEqual(['1.5 s (2s)', '1 rollbacks with a recorded trigger', '1']);
    // The page's own <style> applies (its hash is in the CSP): h1 at 1.5rem, not the browser's 2em.
    expect(
      await page.locator('h1').evaluate((h) => (globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } }).getComputedStyle(h).fontSize),
    ).toBe('24px');
    expect(violations).toEqual([]);
    await page.screenshot({ path: process.env.CMV_SCREENSHOT ?? join(stack.dataDir, 'compliance-page.png'), fullPage: true });
    await page.close();
  });

  it('draws four bar charts, each an image named by its title, with a bar per kind', async () => {
    // Act
    const page = await open();
    const chart = (name: string) => page.getByRole('img', { name });

    // Assert
    for (const name of ['Changes by change type', 'Changes by risk level', 'Compliance and rates (%)', 'Rollbacks by cause']) {
      await expect(chart(name).isVisible()).resolves.toBe(true);
    }
    expect(await chart('Changes by change type').locator('rect.bar').count()).toBe(4);
    const rates = chart('Compliance and rates (%)');
    expect(await rates.locator('[data-key="testing_compliance"] rect.bar title').textContent()).toBe('testing compliance: 100 %');
    const full = await rates.locator('[data-key="testing_compliance"] rect.bar').boundingBox();
    const half = await rates.locator('[data-key="rollback_rate"] rect.bar').boundingBox();
    expect(Math.abs((half?.width ?? 0) * 2 - (full?.width ?? 0))).toBeLessThan(2); // 50 % is half of 100 %
    expect(await rates.locator('[data-key="approval_compliance"] rect.bar').boundingBox()).toMatchObject({ width: 0 });
    await page.close();
  });

  it('lists the ledger entries of a figure, opened without script', async () => {
    // Act
    const page = await open();
    const details = page.locator('#evidence-approval-compliance');
    await details.locator('summary').click();
    const rows = await details
      .locator('tbody tr')
      .evaluateAll((trs: { children: ArrayLike<{ textContent: string | null }> }[]) =>
        trs.map((r) => Array.from(r.children, (c) => (c.textContent ?? '').trim())),
      );

    // Assert
    expect(rows.map((r) => [r[1], r[2]])).toEqual([
      ['ChangeProposed', 'chg-deployed'],
      ['ApprovalRecorded', 'chg-deployed'],
      ['ChangeDeployed', 'chg-deployed'],
    ]);
    expect(rows[0][0]).toMatch(/^target:[a-z0-9-]+#\d+$/);
    expect(rows[0][4]).toMatch(/^[0-9a-f]{64}$/);
    await page.close();
  });

  it('shows hostile texts from the ledger as text: no element, no script', async () => {
    // Act
    const page = await open();

    // Assert
    expect(await page.locator('#exceptions').textContent()).toContain(`quorum not reached: ${HOSTILE_GROUP} 1 of 2`);
    expect(await page.locator('#evidence-emergency-change-rate').textContent()).toContain(HOSTILE_ID);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(0);
    expect(violations).toEqual([]);
    await page.close();
  });
});
