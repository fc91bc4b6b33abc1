import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { LedgerEntry } from '../../lambdas/core/ledger';
import { LOCAL_LEDGER_TABLE } from '../../lib/local/runtime';
import { exampleChange, ONE_APPROVER_DEFERRED_TESTS_POLICY, type Stack, startStack, TARGET, waitForStatus } from './local-stack';

/**
 * The audit record of issue 11, through the local API over real HTTP: who acted (roles, source IP,
 * user agent), what the entries carry, that the hash covers it, and that reading the trail is recorded.
 */
jest.setTimeout(300_000);

const POLICY = ONE_APPROVER_DEFERRED_TESTS_POLICY;

describe('audit record (local stack, HTTP)', () => {
  let stack: Stack;
  let dir: string;
  let db: DynamoDBDocumentClient;
  let changeId: string;

  /** A request as a client with its own User-Agent would send it. */
  const send = async (method: string, path: string, user: string, userAgent: string, body?: unknown) => {
    const res = await fetch(`${stack.runtime.url}${path}`, {
      method,
      headers: { 'x-user': user, 'user-agent': userAgent, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const entriesOf = async (id: string) => (await stack.api.audit({ changeId: id }, 'erin')).items;
  const entry = (entries: readonly LedgerEntry[], type: string) => {
    const found = entries.find((e) => e.type === type);
    if (!found) throw new Error(`no ${type} entry among ${entries.map((e) => e.type).join(', ')}`);
    return found;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-audit-record-'));
    await writeFile(join(dir, 'policy.json'), JSON.stringify(POLICY));
    stack = await startStack({ speed: 60, policyFile: join(dir, 'policy.json'), digestEveryMs: 0 });
    db = DynamoDBDocumentClient.from(new DynamoDBClient(stack.runtime.dynamo));
    const body = await exampleChange('1.1.0-seasonal-bonus.json', { version: '1.1.0', code: undefined, baseVersion: '1.0.0', redeploy: true });
    const proposed = await send('POST', '/changes', 'alice', 'audit-record-test/1.0 (proposer)', body);
    expect(proposed.status).toBe(201);
    changeId = String(proposed.body.changeId);
    await waitForStatus(stack.api, changeId, ['awaiting_approval']);
  }, 300_000);
  afterAll(async () => {
    db?.destroy();
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("records the proposer's roles, source IP and user agent on ChangeProposed, and the workflow's steps without them", async () => {
    const entries = await entriesOf(changeId);

    expect(entry(entries, 'ChangeProposed')).toMatchObject({
      actor: 'alice',
      actorContext: { roles: ['requester'], sourceIp: '127.0.0.1', userAgent: 'audit-record-test/1.0 (proposer)' },
    });
    const requested = entry(entries, 'ApprovalRequested');
    expect(requested.actor).toBe('cmv-workflow');
    expect(requested).not.toHaveProperty('actorContext');
  });

  it("records the approver's roles, source IP and user agent on the vote", async () => {
    const voted = await send('POST', `/changes/${changeId}/approvals`, 'bob', 'audit-record-test/1.0 (approver)', {
      decision: 'approve',
      comment: 'looks right',
    });
    expect(voted.status).toBe(200);

    const vote = entry(await entriesOf(changeId), 'ChangeApproved');

    expect(vote).toMatchObject({
      actor: 'bob',
      actorContext: { roles: ['approver', 'cab'], sourceIp: '127.0.0.1', userAgent: 'audit-record-test/1.0 (approver)' },
      details: expect.objectContaining({ decision: 'approve', comment: 'looks right', roles: ['approver', 'cab'], approverGroups: ['Peer'] }),
    });
  });

  it('detects an actor context altered in DynamoDB Local: the hash covers it', async () => {
    const proposed = entry(await entriesOf(changeId), 'ChangeProposed');
    const key = { chain: `target:${TARGET}`, seq: proposed.seq };
    const item = (await db.send(new GetCommand({ TableName: LOCAL_LEDGER_TABLE, Key: key }))).Item as Record<string, unknown>;
    try {
      const actorContext = item.actorContext as Record<string, unknown>;
      await db.send(new PutCommand({ TableName: LOCAL_LEDGER_TABLE, Item: { ...item, actorContext: { ...actorContext, sourceIp: '198.51.100.66' } } }));

      const verdict = await stack.api.verify('erin');

      expect(verdict).toMatchObject({ valid: false, chain: `target:${TARGET}`, firstBadSeq: proposed.seq, reason: 'altered' });
    } finally {
      await db.send(new PutCommand({ TableName: LOCAL_LEDGER_TABLE, Item: item }));
    }
    expect(await stack.api.verify('erin')).toMatchObject({ valid: true });
  });

  describe('reading the audit trail is recorded', () => {
    const readsBy = async (endpoint: string) =>
      (await stack.api.audit({ type: 'AuditQueried', actor: 'erin', limit: '500' }, 'erin')).items.filter((e) => e.details.endpoint === endpoint);

    it('records GET /audit as AuditQueried on the chain audit-reads: who (roles, source IP, user agent) and which query', async () => {
      const read = await send('GET', `/audit?changeId=${changeId}&limit=7`, 'erin', 'audit-record-test/1.0 (auditor)');
      expect(read.status).toBe(200);

      const recorded = (await readsBy('GET /audit')).filter((e) => (e.details.query as Record<string, unknown>).limit === 7);

      expect(recorded).toEqual([
        expect.objectContaining({
          type: 'AuditQueried',
          chain: 'audit-reads',
          actor: 'erin',
          actorContext: { roles: ['auditor'], sourceIp: '127.0.0.1', userAgent: 'audit-record-test/1.0 (auditor)' },
          details: { endpoint: 'GET /audit', query: { changeId, limit: 7 } },
        }),
      ]);
      expect(recorded[0]).not.toHaveProperty('target');
    });

    it('records GET /audit/verify and GET /reports/compliance, and the chain of reads verifies with the others', async () => {
      const verdict = await stack.api.verify('erin');
      expect((await send('GET', '/reports/compliance', 'erin', 'audit-record-test/1.0 (auditor)')).status).toBe(200);

      expect(await readsBy('GET /audit/verify')).not.toHaveLength(0);
      expect(await readsBy('GET /reports/compliance')).not.toHaveLength(0);
      expect(verdict).toMatchObject({ valid: true });
      const after = await stack.api.verify('erin');
      expect(after.heads?.map((h) => h.chain)).toContain('audit-reads');
    });

    it('writes nothing for a read refused for its role or its query', async () => {
      const before = (await readsBy('GET /audit')).length;

      expect((await send('GET', '/audit', 'alice', 'audit-record-test/1.0')).status).toBe(403);
      expect((await send('GET', '/audit?limit=0', 'erin', 'audit-record-test/1.0')).status).toBe(400);

      // this query itself is recorded: one more, not three
      expect(await readsBy('GET /audit')).toHaveLength(before + 1);
    });
  });
});
