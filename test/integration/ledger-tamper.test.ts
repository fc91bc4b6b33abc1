import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SignedDigest } from '../../lambdas/core/digest';
import { AUDIT_READS_CHAIN, hashEntry, type LedgerEntry, orderKey } from '../../lambdas/core/ledger';
import { LOCAL_LEDGER_TABLE } from '../../lib/local/runtime';
import { exampleChange, ONE_APPROVER_DEFERRED_TESTS_POLICY, type Stack, startStack, TARGET, waitForStatus } from './local-stack';

/**
 * The attacks of issue 11, done as an attacker with write access to the ledger table would: directly
 * in DynamoDB Local, around CMV. Each is detected at the right sequence number with the right
 * reason, then undone (the original items put back) and the ledger verifies again.
 */
jest.setTimeout(300_000);

const CHAIN = `target:${TARGET}`;
const POLICY = ONE_APPROVER_DEFERRED_TESTS_POLICY;

describe('ledger tampering in DynamoDB Local (local stack)', () => {
  let stack: Stack;
  let dir: string;
  let db: DynamoDBDocumentClient;
  let first: SignedDigest;
  let second: SignedDigest;
  /** The chain as CMV wrote it: what each test restores. */
  let original: Record<string, unknown>[];
  let originalHead: Record<string, unknown>;

  const propose = async (version: string) => {
    const body = await exampleChange('1.1.0-seasonal-bonus.json', { version, code: undefined, baseVersion: '1.0.0', redeploy: true });
    const { changeId } = await stack.api.propose(body);
    await waitForStatus(stack.api, changeId, ['awaiting_approval']);
  };
  const items = async (): Promise<Record<string, unknown>[]> =>
    (
      await db.send(
        new QueryCommand({
          TableName: LOCAL_LEDGER_TABLE,
          KeyConditionExpression: 'chain = :c AND seq > :z',
          ExpressionAttributeValues: { ':c': CHAIN, ':z': 0 },
        }),
      )
    ).Items ?? [];
  const seqOf = (d: SignedDigest) => d.digest.chains.find((c) => c.chain === CHAIN)?.seq ?? 0;
  const verify = (from?: number) => stack.api.verify('erin', { from });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-tamper-'));
    await writeFile(join(dir, 'policy.json'), JSON.stringify(POLICY));
    // No scheduled digests: a digest signed after an attack would attest it; here the tests decide when digests are made.
    stack = await startStack({ speed: 60, policyFile: join(dir, 'policy.json'), digestEveryMs: 0 });
    db = DynamoDBDocumentClient.from(new DynamoDBClient(stack.runtime.dynamo));
    await propose('1.1.0');
    await propose('1.1.1');
    first = await stack.api.digest('erin');
    await propose('1.1.2');
    await propose('1.1.3');
    second = await stack.api.digest('erin');
    original = await items();
    originalHead = (await db.send(new GetCommand({ TableName: LOCAL_LEDGER_TABLE, Key: { chain: CHAIN, seq: 0 } }))).Item as Record<string, unknown>;
  }, 300_000);
  afterEach(async () => {
    // Undo the attack: every item of the chain as CMV wrote it.
    for (const item of await items())
      if (!original.some((o) => o.seq === item.seq)) await db.send(new DeleteCommand({ TableName: LOCAL_LEDGER_TABLE, Key: { chain: CHAIN, seq: item.seq } }));
    for (const item of [...original, originalHead]) await db.send(new PutCommand({ TableName: LOCAL_LEDGER_TABLE, Item: item }));
    expect(await verify()).toMatchObject({ valid: true });
  });
  afterAll(async () => {
    db?.destroy();
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts from a ledger that verifies, with two digests and entries after each', async () => {
    expect(seqOf(first)).toBeGreaterThanOrEqual(8);
    expect(seqOf(second)).toBe(original.length);
    expect(await verify()).toMatchObject({ valid: true, digests: 2 });
    // From the first digest: only the entries written since are read — the target's, and the reads of the audit trail (each verify records one).
    const reads = (await stack.runtime.services.ledger.head(AUDIT_READS_CHAIN))?.seq ?? 0;
    const readsAtFirst = first.digest.chains.find((c) => c.chain === AUDIT_READS_CHAIN)?.seq ?? 0;
    expect(await verify(first.digest.seq)).toMatchObject({ valid: true, entries: seqOf(second) - seqOf(first) + reads - readsAtFirst, digests: 1 });
  });

  it('detects an altered entry at its seq', async () => {
    await db.send(
      new UpdateCommand({
        TableName: LOCAL_LEDGER_TABLE,
        Key: { chain: CHAIN, seq: 5 },
        UpdateExpression: 'SET actor = :a',
        ExpressionAttributeValues: { ':a': 'mallory' },
      }),
    );

    expect(await verify()).toMatchObject({ valid: false, chain: CHAIN, firstBadSeq: 5, reason: 'altered' });
  });

  it('detects a deleted entry at its seq', async () => {
    await db.send(new DeleteCommand({ TableName: LOCAL_LEDGER_TABLE, Key: { chain: CHAIN, seq: 4 } }));

    expect(await verify()).toMatchObject({ valid: false, chain: CHAIN, firstBadSeq: 4, reason: 'missing' });
  });

  it('detects two entries whose contents traded places at the first of them', async () => {
    // Arrange: every attribute but the key moves.
    const [a, b] = [original.find((i) => i.seq === 6), original.find((i) => i.seq === 7)] as Record<string, unknown>[];
    await db.send(new PutCommand({ TableName: LOCAL_LEDGER_TABLE, Item: { ...b, seq: 6 } }));
    await db.send(new PutCommand({ TableName: LOCAL_LEDGER_TABLE, Item: { ...a, seq: 7 } }));

    // Act / Assert
    expect(await verify()).toMatchObject({ valid: false, chain: CHAIN, firstBadSeq: 6, reason: 're-ordered' });
  });

  it('detects a truncated chain at the first entry gone, with or without its head rewound', async () => {
    // Arrange: the last entry deleted; then also the head moved back to the entry before, as a careful attacker would.
    const last = original.length;
    await db.send(new DeleteCommand({ TableName: LOCAL_LEDGER_TABLE, Key: { chain: CHAIN, seq: last } }));
    const truncated = await verify();
    const before = original.find((i) => i.seq === last - 1) as LedgerEntry & Record<string, unknown>;
    await db.send(
      new PutCommand({ TableName: LOCAL_LEDGER_TABLE, Item: { ...originalHead, headSeq: last - 1, headHash: before.hash, headTime: before.time } }),
    );
    const rewound = await verify();

    // Assert: the head still names the entry; once it does not, the digest does.
    expect(truncated).toMatchObject({ valid: false, chain: CHAIN, firstBadSeq: last, reason: 'missing' });
    expect(rewound).toMatchObject({ valid: false, chain: CHAIN, firstBadSeq: last, reason: 'missing', faults: [{ digestSeq: second.digest.seq }] });
  });

  it('detects the rewrite-and-rehash attack (an entry edited, every later entry and the head re-hashed) at the rewritten entry, from the first entry and from the last verified digest', async () => {
    // Arrange: the first entry after the first digest gets another actor; it and every later one are re-hashed, then the head.
    const k = seqOf(first) + 1;
    const chain = [...original].sort((x, y) => Number(x.seq) - Number(y.seq)) as (LedgerEntry & Record<string, unknown>)[];
    let prev = chain[k - 2].hash;
    for (const item of chain.slice(k - 1)) {
      const e = { ...item, ...(item.seq === k ? { actor: 'mallory' } : {}), prevHash: prev };
      const forged = { ...e, order: orderKey(e.time, e.chain, e.seq), hash: hashEntry(e) };
      await db.send(new PutCommand({ TableName: LOCAL_LEDGER_TABLE, Item: forged }));
      prev = forged.hash;
    }
    await db.send(new PutCommand({ TableName: LOCAL_LEDGER_TABLE, Item: { ...originalHead, headHash: prev } }));

    // Act
    const full = await verify();
    const incremental = await verify(first.digest.seq);
    const kept = await stack.api.verify('erin', { from: first.digest.seq, kept: { seq: second.digest.seq, digestHash: second.digestHash } });

    // Assert
    for (const v of [full, incremental, kept]) {
      expect(v).toMatchObject({ valid: false, chain: CHAIN, firstBadSeq: k, reason: 'rewritten-and-re-hashed', faults: [{ digestSeq: second.digest.seq }] });
    }
    expect(full.detail).toMatch(/the chain is consistent, but signed digest #2 names hash/);
  });
});
