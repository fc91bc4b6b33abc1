import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { signLink } from '../../lambdas/core/approval-link';
import { launchChromium } from './chromium';
import { approvalLink, exampleChange, type Stack, startStack, waitForStatus } from './local-stack';

/**
 * The approval page in a real headless Chromium (see ./chromium.ts, driven by playwright-core),
 * with JavaScript disabled: the page must work as plain HTML forms.
 */
jest.setTimeout(180_000);

describe('approval page in Chromium (local stack)', () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let secret: string;

  beforeAll(async () => {
    // First: without Chromium, every test of this file fails with the sentence that says what to install.
    browser = await launchChromium();
    stack = await startStack({ speed: 60 });
    secret = (await readFile(join(stack.dataDir, 'link-secret'), 'utf8')).trim();
    context = await browser.newContext({ javaScriptEnabled: false });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** A re-deploy: once one of these changes is live, the next changes nothing. */
  const proposeAwaiting = async (version: string) => {
    const { changeId } = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json', { version, redeploy: true }));
    await waitForStatus(stack.api, changeId, ['awaiting_approval']);
    return { changeId, link: await approvalLink(stack, changeId, 'bob@example.org') };
  };
  const snapshot = async (changeId: string) => {
    const c = await stack.api.change(changeId);
    return { status: c.status, revision: c.revision, votes: c.approvals.length };
  };
  const open = async (url: string): Promise<Page> => {
    const page = await context.newPage();
    await page.goto(url);
    return page;
  };

  it('approves through the page: review, comment, press Approve', async () => {
    const { changeId, link } = await proposeAwaiting('3.0.0');
    const page = await open(link);

    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Review change: benefit-calculator 3.0.0');
    expect(await page.locator('pre[aria-label="unified diff"] .del', { hasText: 'income += quarter.seasonalBonus;' }).count()).toBe(1);
    expect(await page.getByRole('row', { name: /unit/ }).first().textContent()).toContain('passed');
    expect(await page.locator('#s-plan ~ *').first().textContent()).toContain('medium-risk');
    await page.screenshot({ path: process.env.CMV_SCREENSHOT ?? join(stack.dataDir, 'review-page.png'), fullPage: true });
    await page.getByLabel('Comment (required to reject)').fill('Matches the court order.');
    await page.getByRole('button', { name: 'Approve' }).click();

    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('You approved the change');
    expect(await page.getByRole('status').textContent()).toContain('Quorum is reached');
    const change = await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed']);
    expect(change.approvals).toMatchObject([{ approver: 'bob', decision: 'approve', comment: 'Matches the court order.' }]);
    expect(change.status).toBe('deployed');
    await page.close();
  });

  it('rejects through the page, asking for a reason first', async () => {
    const { changeId, link } = await proposeAwaiting('3.1.0');
    const page = await open(link);

    await page.getByRole('button', { name: 'Reject' }).click();
    const askedForReason = await page.getByRole('heading', { level: 1 }).textContent();
    await page.goto(link);
    await page.getByLabel('Comment (required to reject)').fill('No rollback plan for claims in flight.');
    await page.getByRole('button', { name: 'Reject' }).click();

    expect(askedForReason).toBe('A reason is needed');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('You rejected the change');
    expect(await stack.api.change(changeId)).toMatchObject({ status: 'rejected', reason: 'rejected by bob: No rollback plan for claims in flight.' });
    await page.close();
  });

  it.each([
    ['forged', '3.2.0', (link: string) => `${link.slice(0, -4)}AAAA`, 'This link is not valid'],
    [
      'expired',
      '3.3.0',
      (_link: string, changeId: string, key: string) =>
        `${_link.split('/approvals/')[0]}/approvals/${signLink(key, { changeId, approver: 'bob' }, new Date(Date.now() - 7_200_000), 3600)}`,
      'This link has expired',
    ],
    [
      'wrong-approver',
      '3.4.0',
      (_link: string, changeId: string, key: string) =>
        `${_link.split('/approvals/')[0]}/approvals/${signLink(key, { changeId, approver: 'alice' }, new Date(), 3600)}`,
      'Review change: benefit-calculator 3.4.0',
    ],
  ])('shows a clear page for a %s link and changes nothing', async (_kind, version, mangle, heading) => {
    const { changeId, link } = await proposeAwaiting(version);
    const before = await snapshot(changeId);
    const page = await open(mangle(link, changeId, secret));

    const title = await page.getByRole('heading', { level: 1 }).textContent();
    if (title?.startsWith('Review')) await page.getByRole('button', { name: 'Approve' }).click();

    expect(title).toBe(heading);
    if (title?.startsWith('Review')) expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Your vote was not recorded');
    expect(await snapshot(changeId)).toEqual(before);
    await page.close();
  });

  it('refuses a replayed link and an already-decided change with a clear page', async () => {
    const { changeId, link } = await proposeAwaiting('3.5.0');
    const carol = await approvalLink(stack, changeId, 'carol@example.org');
    const first = await open(link);
    await first.getByRole('button', { name: 'Approve' }).click();
    const after = await snapshot(changeId);

    const replay = await open(link);
    const other = await open(carol);

    expect(await replay.getByRole('heading', { level: 1 }).textContent()).toBe('Already decided');
    expect(['No longer awaiting approval', 'Review change: benefit-calculator 3.5.0']).toContain(await other.getByRole('heading', { level: 1 }).textContent());
    expect((await snapshot(changeId)).votes).toBe(after.votes);
    await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back']);
  });
});
