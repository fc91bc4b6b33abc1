import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { LEDGER_TABLE } from '../../lambdas/adapters/tables';
import { ensureTables, type LocalDynamo } from '../../lib/local/dynamodb';
import { idlePauseMs, LedgerStreamPoller } from '../../lib/local/ledger-stream';
import { testDynamo } from './local-stack';

/** The ledger stream's consumer on DynamoDB Local's stream of a ledger table. */
jest.setTimeout(180_000);

describe('LedgerStreamPoller', () => {
  let dynamo: LocalDynamo;
  let client: DynamoDBClient;
  let dir: string;
  const table = 'ledger';
  let seq = 0;
  const put = () =>
    client.send(new PutItemCommand({ TableName: table, Item: { chain: { S: 'main' }, seq: { N: String(++seq) }, type: { S: 'ChangeProposed' } } }));

  beforeAll(async () => {
    dynamo = await testDynamo();
    client = new DynamoDBClient(dynamo.config);
    await ensureTables(client, [{ name: table, definition: LEDGER_TABLE }]);
    dir = await mkdtemp(join(tmpdir(), 'cmv-ledger-stream-'));
  });
  afterAll(async () => {
    client?.destroy();
    await dynamo?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('records', () => {
    it('delivers an empty map as DynamoDB writes it ({"M": {}}), as Lambda’s event source mapping does, so a handler can unmarshall it', async () => {
      // GIVEN an entry whose details are an empty map (an audit read without filters)
      const images: unknown[] = [];
      const poller = new LedgerStreamPoller({
        dynamo: dynamo.config,
        tableName: table,
        checkpointFile: join(dir, 'checkpoint-empty-map.json'),
        handler: async (event: DynamoDBStreamEvent) => {
          for (const r of event.Records) images.push(r.dynamodb?.NewImage);
          return { batchItemFailures: [] };
        },
      });
      await poller.start();
      await client.send(
        new PutItemCommand({ TableName: table, Item: { chain: { S: 'main' }, seq: { N: String(++seq) }, details: { M: { query: { M: {} } } } } }),
      );

      // WHEN
      await poller.drain();
      await poller.stop();

      // THEN
      const image = images.find((i) => (i as { seq?: { N?: string } }).seq?.N === String(seq));
      expect(image).toMatchObject({ details: { M: { query: { M: {} } } } });
      expect(unmarshall(image as never)).toMatchObject({ details: { query: {} } });
    });
  });

  describe('drain()', () => {
    it('resolves only once every record written before it was called has been handled, however slow the handler', async () => {
      // GIVEN a consumer whose handler takes longer than the poller's pauses (as on a loaded machine)
      const handled: number[] = [];
      let release: () => void = () => {};
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const poller = new LedgerStreamPoller({
        dynamo: dynamo.config,
        tableName: table,
        checkpointFile: join(dir, 'checkpoint-slow.json'),
        handler: async (event: DynamoDBStreamEvent) => {
          await gate;
          for (const r of event.Records) handled.push(Number(r.dynamodb?.NewImage?.seq?.N));
          return { batchItemFailures: [] };
        },
      });
      await poller.start();
      await put();
      const last = seq;

      // WHEN
      let drained = false;
      const draining = poller.drain().then(() => {
        drained = true;
      });
      // THEN it waits for the handler, whatever time passes meanwhile …
      await new Promise((r) => setTimeout(r, 1500));
      expect(drained).toBe(false);
      release();
      await draining;
      // … and has seen the record written before it was called.
      expect(handled).toContain(last);
      await poller.stop();
    });
  });

  describe('polling', () => {
    it('describes the stream once, not on every pass: an idle pass is one GetRecords per open shard', async () => {
      // GIVEN a poller whose stream calls are counted, on a table with records
      const streams = new DynamoDBStreamsClient(dynamo.config);
      const sent: string[] = [];
      streams.middlewareStack.add(
        (next, context) => (args) => {
          sent.push(String(context.commandName));
          return next(args);
        },
        { step: 'initialize' },
      );
      const poller = new LedgerStreamPoller({
        dynamo: dynamo.config,
        streams,
        tableName: table,
        checkpointFile: join(dir, 'checkpoint-counted.json'),
        handler: async () => ({ batchItemFailures: [] }),
      });
      await poller.start();
      await put();
      await poller.drain();
      const before = sent.length;
      const describedBefore = sent.filter((c) => c === 'DescribeStreamCommand').length;

      // WHEN five more passes find nothing new
      for (let i = 0; i < 5; i++) await poller.drain();
      await poller.stop();

      // THEN they read the shards without describing the stream again
      const idle = sent.slice(before);
      expect(idle.filter((c) => c === 'DescribeStreamCommand')).toEqual([]);
      expect(idle.length).toBeGreaterThanOrEqual(5);
      expect(new Set(idle)).toEqual(new Set(['GetRecordsCommand']));
      expect(describedBefore).toBe(1);
    });

    it('polls at Lambda’s base rate of 4 times a second, backing off to once a second while the stream stays idle', () => {
      expect(idlePauseMs(0)).toBe(250);
      expect(idlePauseMs(1)).toBe(250);
      expect(idlePauseMs(2)).toBe(500);
      expect(idlePauseMs(3)).toBe(1000);
      expect(idlePauseMs(40)).toBe(1000);
    });
  });
});
