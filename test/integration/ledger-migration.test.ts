import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { LEGACY_LEDGER_TABLE } from '../../lambdas/adapters/tables';
import { GENESIS_HASH } from '../../lambdas/core/ledger';
import { LEGACY_CHAIN, legacyHash } from '../../lambdas/core/ledger-legacy';
import { ensureTables, externalDynamo } from '../../lib/local/dynamodb';
import { LOCAL_LEDGER_TABLE } from '../../lib/local/runtime';
import { sharedDynamo, startStack, TARGET } from './local-stack';

/**
 * A data dir from before per-target chains: its ledger is one global chain in the table
 * cmv-audit-ledger. The runtime starts on it, copies the chain once into the chain `legacy`, and the
 * old entries verify (by their own hash rule), are read by GET /audit, and are checked like any other.
 */
jest.setTimeout(300_000);

const OLD_TABLE = 'cmv-audit-ledger';

describe('a ledger of the global chain (local stack)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cmv-legacy-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts on it, keeps its entries verifiable as the chain legacy, copies them once, and finds one altered', async () => {
    // Arrange: three entries and the head as CMV wrote them before, in the namespace this data dir gets.
    const { dynamoEndpoint, dynamoNamespace } = sharedDynamo(dataDir);
    if (!dynamoEndpoint) throw new Error('this test needs the integration project’s shared DynamoDB Local (jest --selectProjects integration)');
    const config = externalDynamo(dynamoEndpoint, dynamoNamespace).config;
    const raw = new DynamoDBClient(config);
    await ensureTables(raw, [{ name: OLD_TABLE, definition: LEGACY_LEDGER_TABLE }]);
    const db = DynamoDBDocumentClient.from(raw);
    let prevHash = GENESIS_HASH;
    for (let seq = 1; seq <= 3; seq++) {
      const content = {
        seq,
        time: `2026-01-0${seq}T10:00:00.000Z`,
        type: 'VersionActivated',
        target: TARGET,
        actor: 'dana',
        details: { version: `1.0.${seq}` },
        prevHash,
      };
      const hash = legacyHash(content);
      await db.send(new PutCommand({ TableName: OLD_TABLE, Item: { chain: 'main', ...content, hash } }));
      prevHash = hash;
    }
    await db.send(new PutCommand({ TableName: OLD_TABLE, Item: { chain: 'head', seq: 0, headSeq: 3, headHash: prevHash } }));

    // Act: start on it, then again.
    let stack = await startStack({ dataDir, digestEveryMs: 0 });
    const first = await stack.api.verify('erin');
    const audit = await stack.api.audit({ actor: 'dana' }, 'erin');
    await stack.stop();
    stack = await startStack({ dataDir, digestEveryMs: 0 });
    try {
      const again = await stack.api.verify('erin');
      await db.send(
        new UpdateCommand({
          TableName: LOCAL_LEDGER_TABLE,
          Key: { chain: LEGACY_CHAIN, seq: 2 },
          UpdateExpression: 'SET actor = :a',
          ExpressionAttributeValues: { ':a': 'mallory' },
        }),
      );
      const altered = await stack.api.verify('erin');

      // Assert
      expect(first).toMatchObject({ valid: true });
      expect(first.heads).toEqual(expect.arrayContaining([{ chain: LEGACY_CHAIN, seq: 3, hash: prevHash, time: '2026-01-03T10:00:00.000Z' }]));
      expect(audit.items.map((e) => [e.chain, e.seq])).toEqual([
        [LEGACY_CHAIN, 3],
        [LEGACY_CHAIN, 2],
        [LEGACY_CHAIN, 1],
      ]);
      // and the two reads since: the first verify and the audit query are recorded on audit-reads
      expect(again).toMatchObject({ valid: true, entries: (first.entries ?? 0) + 2 });
      expect(altered).toMatchObject({ valid: false, chain: LEGACY_CHAIN, firstBadSeq: 2, reason: 'altered' });
    } finally {
      await stack.stop();
      raw.destroy();
    }
  });
});
