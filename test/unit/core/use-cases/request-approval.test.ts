import { verifyLink } from '../../../../lambdas/core/approval-link';
import type { Change, Vote } from '../../../../lambdas/core/change';
import { LedgerContentionError, NotFoundError } from '../../../../lambdas/core/errors';
import { planChange } from '../../../../lambdas/core/policy/plan';
import { SINGLE_APPROVER_POLICY } from '../../../../lambdas/core/policy/single-approver-policy';
import type { Notifier } from '../../../../lambdas/core/ports';
import { requestApproval } from '../../../../lambdas/core/use-cases/request-approval';
import { fakeServices, MemoryChangeStore, Outbox } from '../../../fixtures/fakes';
import { aChange, aTarget, TARGET, user } from '../../../fixtures/records';

const USERS = [user('alice', 'requester'), user('bob', 'cab'), user('carol', 'cab'), user('dave', 'auditor')];
const NOW = '2026-03-02T10:00:00.000Z';
const CAB = { name: 'CAB', roles: ['cab' as const], quorum: { count: 2 }, eligible: ['bob', 'carol'], required: 2 };
const vote = (approver: string, decision: Vote['decision'] = 'approve'): Vote => ({
  approver,
  roles: ['cab'],
  decision,
  comment: '',
  at: '2026-03-02T09:30:00.000Z',
});

/** chg-1 by alice, testing, its plan needing two of the CAB (bob and carol); `over` applied. */
function needingTheCab(over: Partial<Change> = {}): Change {
  const { plan } = aChange();
  return aChange({ status: 'testing', revision: 3, plan: { ...plan, approvals: { ...plan.approvals, groups: [CAB] } }, ...over });
}

/** chg-1 to a staging target, testing: the default policy's non-production rule pre-approves it. */
function preApproved(): Change {
  const staging = aTarget({ environment: 'staging' });
  const plan = planChange(
    SINGLE_APPROVER_POLICY,
    { changeType: 'standard', riskLevel: 'low', environment: 'staging', requester: 'alice' },
    staging,
    USERS,
    new Date(NOW),
  );
  return aChange({ status: 'testing', revision: 3, plan });
}

/** The fakes holding `change`, the directory USERS, and `notifier` in place of the Outbox when given. */
function arrange(change: Change, notifier?: Notifier) {
  const store = new MemoryChangeStore().seed({ changes: [change] });
  return fakeServices({ users: USERS, fakes: { store }, ...(notifier ? { overrides: { notifier } } : {}) });
}

/** The approval link of a mail: its token, verified with the fakes' link key at NOW. */
const linkIn = (text: string) => {
  const token = /https:\/\/cmv\.example\.org\/approvals\/(\S+)/.exec(text)?.[1] ?? '';
  return verifyLink('link-secret', token, new Date(NOW));
};

describe('requestApproval()', () => {
  it('keeps the token, moves the change to awaiting_approval with its expiry, and e-mails each eligible approver a link of their own', async () => {
    // Arrange
    const { svc, store, outbox, workflow } = arrange(needingTheCab());

    // Act
    await requestApproval(svc, 'chg-1', 'tok-1');

    // Assert
    expect(store.taskTokens.get('chg-1')).toMatchObject({ taskToken: 'tok-1', wait: 'approval' });
    expect(store.changes.get('chg-1')).toMatchObject({
      status: 'awaiting_approval',
      revision: 4,
      approvalRequestedAt: NOW,
      approvalExpiresAt: '2026-03-03T10:00:00.000Z',
    });
    expect(store.entries).toMatchObject([
      {
        type: 'ApprovalRequested',
        actor: 'cmv-workflow',
        details: { groups: [{ name: 'CAB', roles: ['cab'], required: 2, eligible: ['bob', 'carol'] }], timeoutHours: 24 },
      },
    ]);
    expect(outbox.mails.map((m) => [m.to, m.subject])).toEqual([
      [['bob@example.org'], `[CMV] Approval needed: ${TARGET} 1.1.0 — Exclude seasonal bonuses`],
      [['carol@example.org'], `[CMV] Approval needed: ${TARGET} 1.1.0 — Exclude seasonal bonuses`],
    ]);
    expect(outbox.mails.map((m) => linkIn(m.text))).toEqual([
      { ok: true, claims: { changeId: 'chg-1', approver: 'bob', expiresAt: Date.parse(NOW) / 1000 + 3600 } },
      { ok: true, claims: { changeId: 'chg-1', approver: 'carol', expiresAt: Date.parse(NOW) / 1000 + 3600 } },
    ]);
    expect(outbox.mails[0].text).toContain('approvals needed: CAB: 2 of 2');
    expect(workflow.resumed).toEqual([]);
  });

  it('approves a change its rule pre-approves at once (ChangeApproved, preApproved) and resumes the workflow, e-mailing no one', async () => {
    // Arrange
    const { svc, store, outbox, workflow } = arrange(preApproved());

    // Act
    await requestApproval(svc, 'chg-1', 'tok-1');

    // Assert
    expect(store.entries.map((e) => [e.type, e.details.preApproved, e.details.rule])).toEqual([
      ['ApprovalRequested', undefined, undefined],
      ['ChangeApproved', true, 'non-production'],
    ]);
    expect(store.changes.get('chg-1')).toMatchObject({ status: 'awaiting_approval', approvedAt: NOW });
    expect(workflow.resumed).toEqual([{ taskToken: 'tok-1', output: { approved: true, approvers: [] } }]);
    expect(store.taskTokens.has('chg-1')).toBe(false);
    expect(outbox.mails).toEqual([]);
  });

  it('approves a pre-approved change when retried after ApprovalRequested committed and ChangeApproved did not', async () => {
    // Arrange: the second commit meets a contended ledger; the ASL retries LedgerContention with a new token.
    const { svc, store, workflow } = arrange(preApproved());
    store
      .interleave(() => undefined)
      .interleave(() => {
        throw new LedgerContentionError('the ledger chain moved on');
      });
    await expect(requestApproval(svc, 'chg-1', 'tok-1')).rejects.toThrow(LedgerContentionError);

    // Act
    await requestApproval(svc, 'chg-1', 'tok-2');

    // Assert
    expect(store.entries.map((e) => e.type)).toEqual(['ApprovalRequested', 'ChangeApproved']);
    expect(store.changes.get('chg-1')?.approvedAt).toBe(NOW);
    expect(workflow.resumed).toEqual([{ taskToken: 'tok-2', output: { approved: true, approvers: [] } }]);
    expect(store.taskTokens.has('chg-1')).toBe(false);
  });

  it('records no second ChangeApproved for a pre-approved change retried after both entries committed, and resumes the new token', async () => {
    // Arrange: the first run recorded everything; its SendTaskSuccess failed.
    const { svc, store, workflow } = arrange(preApproved());
    await requestApproval(svc, 'chg-1', 'tok-1');

    // Act
    await requestApproval(svc, 'chg-1', 'tok-2');

    // Assert
    expect(store.entries.map((e) => e.type)).toEqual(['ApprovalRequested', 'ChangeApproved']);
    expect(workflow.resumed.map((r) => r.taskToken)).toEqual(['tok-1', 'tok-2']);
  });

  it('keeps the new token and e-mails again whoever has not voted, recording nothing, when re-entered while votes are open (a restart)', async () => {
    // Arrange: the first run committed; bob has voted since.
    const { svc, store, outbox } = arrange(needingTheCab({ status: 'awaiting_approval', revision: 5, approvalRequestedAt: NOW, approvals: [vote('bob')] }));

    // Act
    await requestApproval(svc, 'chg-1', 'tok-2');

    // Assert
    expect(store.taskTokens.get('chg-1')).toMatchObject({ taskToken: 'tok-2', wait: 'approval' });
    expect(store.entries).toEqual([]);
    expect(outbox.mails.map((m) => m.to)).toEqual([['carol@example.org']]);
    expect(linkIn(outbox.mails[0].text)).toMatchObject({ ok: true, claims: { approver: 'carol' } });
  });

  it('e-mails the links again on a retry after the first run failed to send them (at least once, never none)', async () => {
    // Arrange: SNS refuses the first mail, after ApprovalRequested committed.
    const outbox = new Outbox();
    let failures = 1;
    const flaky: Notifier = {
      send: async (message) => {
        if (failures-- > 0) throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
        await outbox.send(message);
      },
    };
    const { svc, store } = arrange(needingTheCab(), flaky);
    await expect(requestApproval(svc, 'chg-1', 'tok-1')).rejects.toThrow('Rate exceeded');

    // Act
    await requestApproval(svc, 'chg-1', 'tok-2');

    // Assert
    expect(outbox.mails.map((m) => m.to)).toEqual([['bob@example.org'], ['carol@example.org']]);
    expect(store.entries.map((e) => e.type)).toEqual(['ApprovalRequested']);
  });

  it('delivers a quorum recorded before a restart (SendTaskSuccess with the approvers), e-mailing no one', async () => {
    const { svc, store, outbox, workflow } = arrange(
      needingTheCab({ status: 'awaiting_approval', revision: 6, approvals: [vote('bob'), vote('carol')], approvedAt: '2026-03-02T09:40:00.000Z' }),
    );

    await requestApproval(svc, 'chg-1', 'tok-2');

    expect(workflow.resumed).toEqual([{ taskToken: 'tok-2', output: { approved: true, approvers: ['bob', 'carol'] } }]);
    expect(store.taskTokens.has('chg-1')).toBe(false);
    expect(outbox.mails).toEqual([]);
    expect(store.entries).toEqual([]);
  });

  it.each([
    [
      'a rejection',
      { status: 'rejected' as const, reason: 'bonus rules unclear', approvals: [vote('bob', 'reject')] },
      'ChangeRejected',
      'bonus rules unclear',
    ],
    [
      'an expiry',
      { status: 'expired' as const, approvalExpiresAt: '2026-03-02T09:00:00.000Z' },
      'ApprovalExpired',
      'quorum was not reached by 2026-03-02T09:00:00.000Z',
    ],
  ])('fails the new token with %s recorded before a restart', async (_what, over, error, cause) => {
    const { svc, store, workflow, outbox } = arrange(needingTheCab(over));

    await requestApproval(svc, 'chg-1', 'tok-2');

    expect(workflow.failed).toEqual([{ taskToken: 'tok-2', error, cause }]);
    expect(store.taskTokens.has('chg-1')).toBe(false);
    expect(outbox.mails).toEqual([]);
  });

  it('counts a decision as delivered when the wait already ended (a spent token), and spends the token', async () => {
    const { svc, store, workflow } = arrange(needingTheCab({ status: 'awaiting_approval', approvals: [vote('bob'), vote('carol')], approvedAt: NOW }));
    workflow.spend('tok-2');

    await requestApproval(svc, 'chg-1', 'tok-2');

    expect(workflow.resumed).toEqual([]);
    expect(store.taskTokens.has('chg-1')).toBe(false);
  });

  it('records ApprovalRequested once, on the change as a concurrent writer left it, when the change moved between the read and the write', async () => {
    // Arrange
    const { svc, store, outbox } = arrange(needingTheCab());
    store.interleave(() => store.seed({ changes: [needingTheCab({ revision: 4, executionArn: 'arn:exec:chg-1' })] }));

    // Act
    await requestApproval(svc, 'chg-1', 'tok-1');

    // Assert
    expect(store.changes.get('chg-1')).toMatchObject({ status: 'awaiting_approval', revision: 5, executionArn: 'arn:exec:chg-1' });
    expect(store.entries.map((e) => e.type)).toEqual(['ApprovalRequested']);
    expect(outbox.mails).toHaveLength(2);
  });

  it('rejects a change that does not exist, keeping no token and e-mailing no one', async () => {
    const { svc, store, outbox } = arrange(needingTheCab());

    await expect(requestApproval(svc, 'chg-9', 'tok-1')).rejects.toThrow(new NotFoundError('change chg-9 does not exist'));
    expect(store.taskTokens.size).toBe(0);
    expect(outbox.mails).toEqual([]);
  });
});
