import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { signLink } from '../../lambdas/core/approval-link';
import { approvalLink, exampleChange, type Stack, startStack, waitForStatus } from '../integration/local-stack';

/**
 * The e-mailed approval link and its page over real HTTP: opening it never changes anything; only
 * the POST decides; forged, tampered, expired, replayed, wrong-approver and already-decided links
 * get a clear page and no state change.
 */
jest.setTimeout(180_000);

describe('approval links (local stack)', () => {
  let stack: Stack;
  let secret: string;
  beforeAll(async () => {
    stack = await startStack({ speed: 60, inMemory: true });
    secret = (await readFile(join(stack.dataDir, 'link-secret'), 'utf8')).trim();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** A change whose approval e-mails went out (ApprovalRequested recorded). A re-deploy: once one of them is live, the next changes nothing. */
  const proposeAwaiting = async (version: string) => {
    const { changeId } = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json', { version, redeploy: true }));
    await waitForStatus(stack.api, changeId, ['awaiting_approval']);
    await approvalLink(stack, changeId, 'bob@example.org');
    return changeId;
  };
  /** What a refused link must not change: the change's status, votes and its ledger entries. */
  const state = async (changeId: string) => {
    const c = await stack.api.change(changeId);
    return { status: c.status, revision: c.revision, votes: c.approvals.length, entries: (await stack.api.audit({ changeId }, 'erin')).items.length };
  };
  const submit = (link: string, body: string) => fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  const heading = async (res: Response) => (await res.text()).match(/<h1>(.*?)<\/h1>/)?.[1];

  it('shows the review page on GET and HEAD without changing anything', async () => {
    const changeId = await proposeAwaiting('3.0.0');
    const link = await approvalLink(stack, changeId, 'bob@example.org');
    const before = await state(changeId);

    const page = await fetch(link);
    const html = await page.text();
    const head = await fetch(link, { method: 'HEAD' });

    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(html).toContain('<span class="del">-  income += quarter.seasonalBonus;</span>');
    expect(html).toMatch(/<button type="submit" name="decision" value="approve">Approve<\/button>/);
    expect(head.status).toBe(200);
    expect(await state(changeId)).toEqual(before);
  });

  it('records the vote on POST, then refuses the replayed link with no further change', async () => {
    const changeId = await proposeAwaiting('3.1.0');
    const link = await approvalLink(stack, changeId, 'bob@example.org');

    const first = await submit(link, 'decision=approve&comment=fine');
    const afterFirst = await stack.api.change(changeId);
    const replay = await submit(link, 'decision=reject&comment=changed+my+mind');

    expect(first.status).toBe(200);
    expect(await heading(first)).toBe('You approved the change');
    expect(afterFirst.approvals).toMatchObject([{ approver: 'bob', decision: 'approve', comment: 'fine' }]);
    expect(replay.status).toBe(409);
    expect((await stack.api.change(changeId)).approvals).toHaveLength(1);
    await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back']);
  });

  it.each([
    ['a forged signature', '4.0.0', (l: string) => `${l.slice(0, -4)}AAAA`, 403, 'This link is not valid'],
    ['a tampered payload', '4.1.0', (l: string) => tamper(l, { a: 'carol' }), 403, 'This link is not valid'],
    ['a malformed token', '4.2.0', (l: string) => l.replace(/\/approvals\/.*$/, '/approvals/not-a-token'), 400, 'This link is not valid'],
  ])('refuses %s with a clear page and no state change', async (_what, version, mangle, status, title) => {
    const changeId = await proposeAwaiting(version);
    const link = mangle(await approvalLink(stack, changeId, 'bob@example.org'));
    const before = await state(changeId);

    const get = await fetch(link);
    const post = await submit(link, 'decision=approve&comment=x');

    expect(get.status).toBe(status);
    expect(post.status).toBe(status);
    expect(await heading(post)).toBe(title);
    expect(await state(changeId)).toEqual(before);
  });

  it('refuses an expired link with 410 and no state change', async () => {
    const changeId = await proposeAwaiting('5.0.0');
    const expired = `${stack.runtime.url}/approvals/${signLink(secret, { changeId, approver: 'bob' }, new Date(Date.now() - 2 * 3600_000), 3600)}`;
    const before = await state(changeId);

    const res = await submit(expired, 'decision=approve&comment=x');

    expect(res.status).toBe(410);
    expect(await heading(res)).toBe('This link has expired');
    expect(await state(changeId)).toEqual(before);
  });

  it('refuses a validly signed link for the wrong approver (the requester) with 403 and no vote', async () => {
    const changeId = await proposeAwaiting('5.1.0');
    const forRequester = `${stack.runtime.url}/approvals/${signLink(secret, { changeId, approver: 'alice' }, new Date(), 3600)}`;
    const before = await state(changeId);

    const res = await submit(forRequester, 'decision=approve&comment=mine');

    expect(res.status).toBe(403);
    expect(await heading(res)).toBe('Your vote was not recorded');
    expect((await state(changeId)).votes).toBe(before.votes);
  });

  it('asks for a reason before a rejection, rejects with it, and then shows other links as already decided', async () => {
    const changeId = await proposeAwaiting('5.2.0');
    const bob = await approvalLink(stack, changeId, 'bob@example.org');
    const carol = await approvalLink(stack, changeId, 'carol@example.org');

    const noReason = await submit(bob, 'decision=reject&comment=');
    const rejected = await submit(bob, 'decision=reject&comment=no+rollback+plan');
    const other = await fetch(carol);

    expect(noReason.status).toBe(400);
    expect(rejected.status).toBe(200);
    expect(await heading(rejected)).toBe('You rejected the change');
    expect(other.status).toBe(409);
    expect(await heading(other)).toBe('No longer awaiting approval');
    expect(await stack.api.change(changeId)).toMatchObject({ status: 'rejected', reason: 'rejected by bob: no rollback plan' });
  });

  it('counts two approvers deciding at the same moment once: one resume, one refusal', async () => {
    const changeId = await proposeAwaiting('6.0.0');

    const results = await Promise.allSettled([stack.api.decide(changeId, 'approve', 'a', 'bob'), stack.api.decide(changeId, 'approve', 'b', 'carol')]);

    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ status: 409 });
    const approved = await stack.api.audit({ changeId, type: 'ChangeApproved' }, 'erin');
    expect(approved.items).toHaveLength(1);
    await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back']);
  });

  it('keeps one gap-free ledger when many proposals commit at once', async () => {
    const bodies = await Promise.all([7, 8, 9, 10, 11].map((major) => exampleChange('1.1.0-seasonal-bonus.json', { version: `${major}.0.0`, redeploy: true })));

    const results = await Promise.all(bodies.map((b) => stack.api.propose(b)));

    expect(new Set(results.map((r) => r.changeId)).size).toBe(5);
    // While the five workflows go on appending: verification reads again where a chain's pages ended before calling anything missing
    expect(await stack.api.verify('erin')).toMatchObject({ valid: true });
  });
});

/** Re-encodes a link's payload with changed claims, keeping the original signature. */
function tamper(link: string, claims: Record<string, unknown>): string {
  const [base, token] = link.split('/approvals/');
  const [payload, signature] = token.split('.');
  const body = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), ...claims };
  return `${base}/approvals/${Buffer.from(JSON.stringify(body)).toString('base64url')}.${signature}`;
}
