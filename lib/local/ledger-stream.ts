import { DescribeTableCommand, DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { z } from 'zod';
import { jsonOf, readStoreFile, writeStoreFile } from './store-file';

/** Options of a {@link LedgerStreamPoller}. */
export interface LedgerStreamOptions {
  /** The DynamoDB Local client configuration (endpoint, region, credentials). */
  readonly dynamo: DynamoDBClientConfig;
  readonly tableName: string;
  /** Where the last processed sequence number of each shard is kept (a JSON file). */
  readonly checkpointFile: string;
  /** The stream's consumer: the publish-ledger handler, as Lambda's event source mapping calls it. */
  readonly handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
  /**
   * A client of DynamoDB Local's streams to read with (tests count its calls).
   * @default a DynamoDBStreamsClient of `dynamo`
   */
  readonly streams?: DynamoDBStreamsClient;
  /** Records per batch, as the event source mapping's BatchSize. @default 10 */
  readonly batchSize?: number;
  readonly log?: (line: string) => void;
}

/** Lambda's base rate of polling a stream's shards: 4 times a second (AWS Lambda Developer Guide, "Using AWS Lambda with Amazon DynamoDB"), in ms. */
const POLL_MS = 250;
/** Longest pause between passes of a stream that stays idle, in ms: the local runtime's CPU goes to the changes, not to asking DynamoDB Local for nothing. */
const IDLE_POLL_MS = 1000;
/** How long a description of the stream's shards is trusted, in ms. */
const SHARDS_MAX_AGE_MS = 10_000;

/**
 * The pause after the `idlePasses`-th pass in a row that found no record, in ms: Lambda's base rate
 * (POLL_MS), doubling from the second idle pass up to IDLE_POLL_MS. {@link LedgerStreamPoller.drain}
 * ends a pause at once, so waiting for the stream to catch up never waits it out.
 */
export function idlePauseMs(idlePasses: number): number {
  return Math.min(IDLE_POLL_MS, POLL_MS * 2 ** Math.max(0, idlePasses - 1));
}

/** The checkpoint file's shape; a file that is not this is quarantined. */
const Checkpoint = z.object({
  streamArn: z.string().optional(),
  /** Shard id → the sequence number of its last record the handler took. */
  shards: z.record(z.string(), z.string()),
});
type Checkpoint = z.infer<typeof Checkpoint>;

/**
 * Local stand-in for the event source mapping of the ledger table's stream: reads DynamoDB
 * Local's stream of the table (every shard, from the start or from the checkpoint), hands the
 * records to the handler in batches in the DynamoDB Streams event shape, and on a batch item
 * failure retries from the first failed record after a pause — at-least-once and in order, as
 * Lambda does with ReportBatchItemFailures. The checkpoint file makes a restart go on where the
 * last run stopped (a record handled but not yet checkpointed is handled again). It is replaced
 * atomically; one that does not parse is quarantined and reported, and the stream is read from its
 * start: events already published are published again (at least once, as the mapping promises).
 */
export class LedgerStreamPoller {
  private readonly streams: DynamoDBStreamsClient;
  private checkpoint: Checkpoint = { shards: {} };
  private running?: Promise<void>;
  private stopped = false;
  private wake?: () => void;
  /** Passes over the shards begun so far. */
  private passes = 0;
  /** drain() calls waiting for a pass begun after theirs that finds nothing new. */
  private waiters: { readonly after: number; readonly done: (err?: Error) => void }[] = [];

  constructor(private readonly options: LedgerStreamOptions) {
    this.streams = options.streams ?? new DynamoDBStreamsClient(options.dynamo);
  }

  /** Starts polling in the background. */
  async start(): Promise<void> {
    const saved = await readStoreFile(this.options.checkpointFile, {
      parse: jsonOf(Checkpoint),
      lost: 'the ledger stream checkpoint (CMV events since the stream began are published again)',
      log: this.options.log,
    });
    if (saved) this.checkpoint = saved;
    const client = new DynamoDBClient(this.options.dynamo);
    const streamArn = (await client.send(new DescribeTableCommand({ TableName: this.options.tableName }))).Table?.LatestStreamArn;
    client.destroy();
    if (!streamArn) throw new Error(`table ${this.options.tableName} has no stream`);
    if (this.checkpoint.streamArn !== streamArn) this.checkpoint = { streamArn, shards: {} };
    this.running = this.loop(streamArn);
  }

  /**
   * Resolves once every record written before the call has been handled (tests, the demo): when a
   * pass over the shards that began after the call has found nothing new. Each pass awaits the
   * handler of what it read, so this does not depend on how long the handler or the polling takes.
   * @throws Error when that has not happened within `timeoutMs` (a record keeps failing), or the poller stops
   */
  drain(timeoutMs = 60_000): Promise<void> {
    const after = this.passes;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => settle(new Error(`the ledger stream did not catch up within ${timeoutMs} ms`)), timeoutMs);
      const waiter = {
        after,
        done: (err?: Error) => settle(err),
      };
      const settle = (err?: Error) => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        if (err) reject(err);
        else resolve();
      };
      this.waiters.push(waiter);
      this.wake?.();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
    for (const w of [...this.waiters]) w.done(new Error('the ledger stream poller stopped'));
    this.streams.destroy();
  }

  private async loop(streamArn: string): Promise<void> {
    const iterators = new Map<string, string | undefined>();
    let shards: Shard[] | undefined;
    let describedAt = 0;
    /** A shard was read to its end since the last description: its child is in the next one. */
    let shardClosed = false;
    let idlePasses = 0;
    while (!this.stopped) {
      const pass = ++this.passes;
      try {
        // The shards change rarely (a new one every few hours in AWS, or when one closes): described again only then, or every SHARDS_MAX_AGE_MS.
        if (!shards || Date.now() - describedAt > SHARDS_MAX_AGE_MS || shardClosed) {
          shards = (await this.streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription?.Shards ?? [];
          describedAt = Date.now();
          shardClosed = false;
        }
        let found = 0;
        for (const shard of shards) {
          const id = shard.ShardId ?? '';
          if (iterators.has(id) && iterators.get(id) === undefined) continue; // closed and read to its end
          let iterator = iterators.get(id) ?? (await this.iterator(streamArn, id));
          const out = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: this.options.batchSize ?? 10 }));
          const records = out.Records ?? [];
          found += records.length;
          iterator = out.NextShardIterator;
          if (iterator === undefined) shardClosed = true;
          if (records.length > 0) {
            const failedAt = await this.handle(id, records);
            // A failure: read again from the first failed record, after a pause.
            if (failedAt !== undefined) iterator = await this.iterator(streamArn, id);
          }
          iterators.set(id, iterator);
        }
        if (found === 0) {
          for (const w of this.waiters.filter((w) => w.after < pass)) w.done();
          await this.pause(idlePauseMs(++idlePasses));
        } else idlePasses = 0;
      } catch (err) {
        if (this.stopped) return;
        this.options.log?.(`ledger stream: ${(err as Error).message}`);
        iterators.clear();
        shards = undefined;
        await this.pause(POLL_MS);
      }
    }
  }

  /** Hands the records to the handler; checkpoints up to the first failed one. @returns that one's index, if any */
  private async handle(shardId: string, records: readonly StreamRecord[]): Promise<number | undefined> {
    const event: DynamoDBStreamEvent = { Records: records.map(toLambdaRecord) };
    let failedAt: number | undefined;
    try {
      const out = await this.options.handler(event);
      const failed = new Set(out.batchItemFailures.map((f) => f.itemIdentifier));
      const i = records.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
      failedAt = i >= 0 ? i : undefined;
    } catch (err) {
      this.options.log?.(`ledger stream handler failed: ${(err as Error).message}`);
      failedAt = 0;
    }
    const done = failedAt === undefined ? records : records.slice(0, failedAt);
    const last = done.at(-1)?.dynamodb?.SequenceNumber;
    if (last) {
      this.checkpoint.shards[shardId] = last;
      await writeStoreFile(this.options.checkpointFile, JSON.stringify(this.checkpoint));
    }
    if (failedAt !== undefined) await this.pause(1000);
    return failedAt;
  }

  private async iterator(streamArn: string, shardId: string): Promise<string | undefined> {
    const after = this.checkpoint.shards[shardId];
    const out = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return out.ShardIterator;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/**
 * An item image as DynamoDB writes it on the wire. The SDK reads an empty map (`{"M": {}}`) of
 * GetRecords as `{}`, which no AttributeValue is and `unmarshall` refuses ("No value defined");
 * Lambda's event source mapping delivers the JSON as DynamoDB wrote it, so the map is put back.
 */
function wireImage(image: Record<string, unknown>): Record<string, unknown> {
  const value = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const keys = Object.keys(v);
    if (keys.length === 0) return { M: {} };
    const av = v as Record<string, unknown>;
    if ('M' in av && av.M && typeof av.M === 'object') return { M: wireImage(av.M as Record<string, unknown>) };
    if ('L' in av && Array.isArray(av.L)) return { L: av.L.map(value) };
    return v;
  };
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, value(v)]));
}

/** A stream record in the shape Lambda's event source mapping delivers (times in epoch seconds). */
function toLambdaRecord(r: StreamRecord): DynamoDBRecord {
  const d = r.dynamodb;
  return {
    eventID: r.eventID,
    eventName: r.eventName as DynamoDBRecord['eventName'],
    eventVersion: r.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: r.awsRegion,
    dynamodb: {
      ...(d?.ApproximateCreationDateTime ? { ApproximateCreationDateTime: Math.floor(d.ApproximateCreationDateTime.getTime() / 1000) } : {}),
      Keys: d?.Keys as never,
      NewImage: (d?.NewImage ? wireImage(d.NewImage) : undefined) as never,
      SequenceNumber: d?.SequenceNumber,
      SizeBytes: d?.SizeBytes,
      StreamViewType: d?.StreamViewType,
    },
  };
}
