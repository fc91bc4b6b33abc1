import { linkHash, signLink } from '../../../../lambdas/core/approval-link';
import type { Change } from '../../../../lambdas/core/change';
import { LedgerContentionError } from '../../../../lambdas/core/errors';
import { decideByLink, type LinkAction } from '../../../../lambdas/core/use-cases/decide-by-link';
import type { Services } from '../../../../lambdas/core/use-cases/services';
import { MemoryChangeStore } from '../../../fixtures/fakes';
import { aChange, user } from '../../../fixtures/records';

const SECRET = 'link-secret';
const NOW = new Date('2026-03-02T10:00:00.000Z');
const USERS = [user('alice', 'requester'), user('bob', 'cab'), user('carol', 'cab'), user('eve', 'requester')];
const VIEW: LinkAction = { kind: 'view' };
const vote = (decision: string | undefined, comment = ''): LinkAction => ({ kind: 'vote', form: { decision, comment }, origin: { sourceIp: '203.0.113.7' } });

/** A diff change by alice awaiting two CAB approvals (bob and carol are eligible). */
function awaitingChange(extra: Partial<Change> = {}): Change {
  const { plan } = aChange({}, { riskLevel: 'medium' });
  return aChange(
    {
      source: { kind: 'diff', uri: 's3://artifacts/chg-1.diff' },
      artifact: { uri: 's3://artifacts/chg-1.zip', sha256: 'abc=', bytes: 100 },
      config: { RATE: '2' },
      plan: {
        ...plan,
        approvals: { ...plan.approvals, groups: [{ name: 'CAB', roles: ['cab'], quorum: { count: 2 }, eligible: ['bob', 'carol'], required: 2 }] },
      },
      createdAt: '2026-03-01T09:00:00.000Z',
      updatedAt: '2026-03-01T09:00:00.000Z',
      ...extra,
    },
    { riskLevel: 'medium' },
  );
}

/** Services over a MemoryChangeStore holding `change` and the base version; the workflow's answers are recorded. */
function services(change: Change = awaitingChange()) {
  const store = new MemoryChangeStore().seed({
    changes: [change],
    versions: [{ target: 'benefit-calculator', version: '1.0.0', changeId: null, artifact: change.artifact, config: { RATE: '1' }, revision: 1 } as never],
  });
  const resumed: unknown[] = [];
  const svc = {
    store,
    directory: { find: async (id: string) => USERS.find((u) => u.id === id), all: async () => USERS },
    artifacts: { read: async () => new TextEncoder().encode('-old\n+new <script>') },
    workflow: { resume: async (_t: string, out: unknown) => void resumed.push(out), fail: async () => undefined },
    settings: { apiBaseUrl: '', approvalLinkTtlSeconds: 3600, linkKeys: { signing: async () => SECRET, verifying: async () => [SECRET] } },
    now: () => NOW,
  } as unknown as Services;
  return { svc, store, resumed };
}

const linkFor = (approver: string, secret = SECRET, ttlSeconds = 3600) => signLink(secret, { changeId: 'chg-1', approver }, NOW, ttlSeconds);

describe('decideByLink()', () => {
  it('answers confirm with the change, the approver, the diff and the base config on a view, writing nothing', async () => {
    const { svc, store } = services();

    const outcome = await decideByLink(svc, linkFor('bob'), VIEW);

    expect(outcome).toMatchObject({
      kind: 'confirm',
      approverName: 'BOB',
      diff: '-old\n+new <script>',
      baseConfig: { RATE: '1' },
      change: { changeId: 'chg-1' },
    });
    expect(store.entries).toEqual([]);
  });

  it('records the vote, spends the link and answers recorded with the vote and the tally', async () => {
    const { svc, store } = services();
    const token = linkFor('bob');

    const outcome = await decideByLink(svc, token, vote('approve', 'fine'));

    expect(outcome).toMatchObject({
      kind: 'recorded',
      vote: { approver: 'bob', decision: 'approve', comment: 'fine' },
      tally: { state: 'pending', groups: [{ name: 'CAB', approvals: 1, required: 2 }] },
      change: { status: 'awaiting_approval', revision: 4 },
    });
    expect(store.usedLinks.has(linkHash(token))).toBe(true);
    expect(store.entries.map((e) => [e.type, e.actor, e.actorContext])).toEqual([
      ['ApprovalRecorded', 'bob', expect.objectContaining({ sourceIp: '203.0.113.7' })],
    ]);
  });

  it('resumes the workflow when the vote reaches quorum', async () => {
    const { svc, store, resumed } = services(
      awaitingChange({ approvals: [{ approver: 'carol', roles: ['cab'], decision: 'approve', comment: '', at: NOW.toISOString() }] }),
    );
    await store.putTaskToken('chg-1', 'token-1', 'approval');

    const outcome = await decideByLink(svc, linkFor('bob'), vote('approve'));

    expect(outcome).toMatchObject({ kind: 'recorded', tally: { state: 'approved' }, change: { approvedAt: NOW.toISOString() } });
    expect(resumed).toEqual([{ approved: true, approvers: ['carol', 'bob'] }]);
  });

  it('answers already-used when the link is replayed after its vote, writing nothing more', async () => {
    const { svc, store } = services();
    const token = linkFor('bob');
    await decideByLink(svc, token, vote('approve'));

    const replay = await decideByLink(svc, token, vote('reject', 'changed my mind'));

    expect(replay).toEqual({ kind: 'already-used', status: 'awaiting_approval' });
    expect(store.entries).toHaveLength(1);
  });

  it('answers not-allowed (conflict) when the link was spent between the read and the vote', async () => {
    // Arrange: the link's hash is already claimed, as by a concurrent request with the same link
    const { svc, store } = services();
    const token = linkFor('bob');
    store.usedLinks.set(linkHash(token), 0);
    const getChange = store.getChange.bind(store);
    let reads = 0;
    // The re-read after the failed commit sees bob's vote, as the concurrent request recorded it.
    store.getChange = async (id) => {
      const c = (await getChange(id)) as Change;
      return ++reads <= 2 ? c : { ...c, approvals: [{ approver: 'bob', roles: ['cab'], decision: 'approve', comment: '', at: NOW.toISOString() }] };
    };

    const outcome = await decideByLink(svc, token, vote('approve'));

    expect(outcome).toEqual({ kind: 'not-allowed', refusal: 'conflict', reason: 'bob has already voted on change chg-1' });
    expect(store.entries).toEqual([]);
  });

  it.each([
    ['malformed', 'not-a-link', { kind: 'invalid-link', problem: 'malformed' }],
    ['forged', linkFor('bob', 'another-secret'), { kind: 'invalid-link', problem: 'forged' }],
    ['expired', signLink(SECRET, { changeId: 'chg-1', approver: 'bob' }, new Date(NOW.getTime() - 7200_000), 3600), { kind: 'expired' }],
    ['for an unknown approver', linkFor('mallory'), { kind: 'not-found' }],
  ])('refuses a %s link, writing nothing', async (_what, token, expected) => {
    const { svc, store } = services();

    const outcome = await decideByLink(svc, token, vote('approve'));

    expect(outcome).toEqual(expected);
    expect(store.entries).toEqual([]);
  });

  it('answers closed when the change no longer awaits approval', async () => {
    const { svc } = services(awaitingChange({ status: 'deploying' }));

    expect(await decideByLink(svc, linkFor('bob'), VIEW)).toEqual({ kind: 'closed', status: 'deploying' });
  });

  it.each([
    ['the requester', 'alice', 'the requester cannot approve their own change'],
    ['a user eligible in no group', 'eve', 'approving this change needs one of the roles: cab'],
  ])('answers not-allowed (forbidden) for %s, writing nothing', async (_who, approver, reason) => {
    const { svc, store } = services();

    const outcome = await decideByLink(svc, linkFor(approver), vote('approve'));

    expect(outcome).toEqual({ kind: 'not-allowed', refusal: 'forbidden', reason });
    expect(store.entries).toEqual([]);
  });

  it.each([
    ['no decision', vote(undefined), 'no-decision'],
    ['an unknown decision', vote('maybe'), 'no-decision'],
    ['a rejection without a reason', vote('reject', '  '), 'no-reason'],
  ])('answers incomplete for %s, writing nothing', async (_what, action, missing) => {
    const { svc, store } = services();

    expect(await decideByLink(svc, linkFor('bob'), action)).toEqual({ kind: 'incomplete', missing });
    expect(store.entries).toEqual([]);
  });

  it('answers busy with the retry delay when the ledger is contended', async () => {
    const { svc, store } = services();
    store.commit = async () => {
      throw new LedgerContentionError('busy');
    };

    expect(await decideByLink(svc, linkFor('bob'), vote('approve'))).toEqual({ kind: 'busy', retryAfterSeconds: 1 });
  });
});
