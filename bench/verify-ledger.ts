import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../lambdas/adapters/dynamo';
import { KmsDigestSigner } from '../lambdas/adapters/kms-signer';
import { DynamoLedgerReader } from '../lambdas/adapters/ledger-reader';
import { S3DigestStore } from '../lambdas/adapters/s3-digests';
import { LEDGER_TABLE } from '../lambdas/adapters/tables';
import { type ChainHead, chainEntry, emptyChain, headAfter, type LedgerEntry } from '../lambdas/core/ledger';
import { makeDigest } from '../lambdas/core/use-cases/make-digest';
import type { Services } from '../lambdas/core/use-cases/services';
import { verifyLedger } from '../lambdas/core/use-cases/verify-ledger';
import { ensureTables, startDynamoDbLocal } from '../lib/local/dynamodb';
import { LocalKms } from '../lib/local/kms';
import { LocalS3 } from '../lib/local/s3';

/**
 * `npm run bench:verify`: verification that reads only what is new (issue 11). Writes BENCH_ENTRIES
 * (default 100,000) entries over BENCH_CHAINS (10) target chains straight into DynamoDB Local with
 * BatchWriteItem (as the table's own items, heads included), signs a digest, appends BENCH_NEW
 * (1,000) more, signs another, then verifies from the first digest (what an auditor who verified up
 * to it does next) and, for comparison, the whole ledger. It counts the ledger items the incremental
 * verification reads (a DynamoDB client that counts Query results) and exits 1 if it read more than
 * the new entries (plus one look past each head). Prints entries/s and the time extrapolated to a
 * ledger of 1M entries, as a table and one JSON line.
 */

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 100_000);
const NEW = Number(process.env.BENCH_NEW ?? 1_000);
const CHAINS = Number(process.env.BENCH_CHAINS ?? 10);
const TABLE = 'cmv-audit-chains';
const MILLION = 1_000_000;

/** Appends `count` entries round-robin over the chains, written 25 to a BatchWriteItem, 12 requests at a time; then the heads. */
async function append(db: DynamoDBDocumentClient, heads: Map<string, ChainHead>, count: number, clock: { t: number }): Promise<void> {
  const chains = [...heads.keys()];
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const chain = chains[i % chains.length];
    clock.t += 7;
    const draft = {
      type: 'TrafficShifted',
      target: chain.slice('target:'.length),
      changeId: `chg-${i % 97}`,
      actor: 'cmv-workflow',
      details: { weight: i % 100 },
    };
    const entry: LedgerEntry = chainEntry(heads.get(chain) as ChainHead, draft, new Date(clock.t));
    heads.set(chain, headAfter(entry));
    items.push({ ...entry, kind: 'entry' });
  }
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      let batch: unknown[] = batches[next++].map((Item) => ({ PutRequest: { Item } }));
      while (batch.length > 0) {
        const out = await db.send(new BatchWriteCommand({ RequestItems: { [TABLE]: batch as never } }));
        batch = out.UnprocessedItems?.[TABLE] ?? [];
      }
    }
  };
  await Promise.all(Array.from({ length: 12 }, worker));
  for (const h of heads.values()) {
    await db.send(
      new PutCommand({ TableName: TABLE, Item: { chain: h.chain, seq: 0, kind: 'head', order: h.chain, headSeq: h.seq, headHash: h.hash, headTime: h.time } }),
    );
  }
}

/** A document client whose Query results are counted (the ledger items a verification reads). */
function counting(db: DynamoDBDocumentClient): { db: DynamoDBDocumentClient; read: () => number; reset: () => void } {
  let read = 0;
  const send = db.send.bind(db) as (c: unknown) => Promise<{ Items?: unknown[] }>;
  const wrapped = Object.create(db) as DynamoDBDocumentClient;
  wrapped.send = (async (command: unknown) => {
    const out = await send(command);
    if (command instanceof QueryCommand && command.input.ExpressionAttributeValues?.[':s'] !== undefined) read += out.Items?.length ?? 0;
    return out;
  }) as never;
  return { db: wrapped, read: () => read, reset: () => (read = 0) };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cmv-bench-verify-'));
  const dynamo = await startDynamoDbLocal(null);
  try {
    const raw = new DynamoDBClient(dynamo.config);
    await ensureTables(raw, [{ name: TABLE, definition: LEDGER_TABLE }]);
    raw.destroy();
    const db = documentClient(dynamo.config);
    const kms = new LocalKms(join(dir, 'digest-key.pem'), 'arn:aws:kms:local:000000000000:key/bench');
    await kms.load();
    const s3 = new LocalS3(join(dir, 's3'), { appendOnlyBuckets: ['digests'] });
    const counter = counting(db);
    const svc = {
      ledger: new DynamoLedgerReader(counter.db, TABLE),
      digests: new S3DigestStore(s3 as never, 'digests'),
      signer: new KmsDigestSigner(kms as never, kms.keyArn),
      now: () => new Date(),
    } as unknown as Services;

    const heads = new Map(Array.from({ length: CHAINS }, (_, i) => [`target:svc-${i}`, emptyChain(`target:svc-${i}`)]));
    const clock = { t: Date.parse('2026-01-01T00:00:00.000Z') };
    let start = performance.now();
    await append(db, heads, ENTRIES, clock);
    const writeS = (performance.now() - start) / 1000;
    const first = await makeDigest(svc);
    await append(db, heads, NEW, clock);
    await makeDigest(svc);

    counter.reset();
    start = performance.now();
    const incremental = await verifyLedger(svc, { fromDigest: first.digest.seq });
    const incrementalS = (performance.now() - start) / 1000;
    const incrementalRead = counter.read();

    counter.reset();
    start = performance.now();
    const full = await verifyLedger(svc);
    const fullS = (performance.now() - start) / 1000;
    const fullRead = counter.read();

    const rate = (n: number, s: number) => Math.round(n / s);
    const result = {
      bench: 'verify-ledger',
      entries: ENTRIES + NEW,
      chains: CHAINS,
      writeSeconds: Math.round(writeS * 10) / 10,
      incremental: {
        fromDigest: first.digest.seq,
        valid: incremental.valid,
        newEntries: NEW,
        entriesVerified: incremental.entries,
        ledgerItemsRead: incrementalRead,
        seconds: Math.round(incrementalS * 1000) / 1000,
        entriesPerSecond: rate(incremental.entries, incrementalS),
        // Its cost is the entries since the digest: a ledger of 1M entries with as many new ones takes as long.
        secondsAt1M: Math.round(incrementalS * 1000) / 1000,
      },
      full: {
        valid: full.valid,
        entriesVerified: full.entries,
        ledgerItemsRead: fullRead,
        seconds: Math.round(fullS * 10) / 10,
        entriesPerSecond: rate(full.entries, fullS),
        secondsAt1M: Math.round((MILLION / rate(full.entries, fullS)) * 10) / 10,
      },
    };
    console.log(`ledger: ${result.entries} entries in ${CHAINS} chains (written in ${result.writeSeconds} s by BatchWriteItem)`);
    console.log('verification            entries  items read  seconds  entries/s  at 1M entries');
    console.log(
      `from digest #${first.digest.seq} (new only) ${String(incremental.entries).padStart(8)}  ${String(incrementalRead).padStart(10)}  ${String(result.incremental.seconds).padStart(7)}  ${String(result.incremental.entriesPerSecond).padStart(9)}  ${result.incremental.secondsAt1M} s (the ${NEW} new entries only)`,
    );
    console.log(
      `whole ledger            ${String(full.entries).padStart(8)}  ${String(fullRead).padStart(10)}  ${String(result.full.seconds).padStart(7)}  ${String(result.full.entriesPerSecond).padStart(9)}  ${result.full.secondsAt1M} s (extrapolated)`,
    );
    console.log(JSON.stringify(result));
    const failures = [
      ...(incremental.valid && full.valid ? [] : ['the ledger does not verify']),
      ...(incremental.entries === NEW ? [] : [`the incremental verification checked ${incremental.entries} entries, not the ${NEW} new ones`]),
      ...(incrementalRead <= NEW + CHAINS ? [] : [`the incremental verification read ${incrementalRead} ledger items for ${NEW} new entries`]),
    ];
    for (const f of failures) console.error(`FAIL: ${f}`);
    if (failures.length) process.exitCode = 1;
    db.destroy();
  } finally {
    await dynamo.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
