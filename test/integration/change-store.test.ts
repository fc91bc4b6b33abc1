import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoChangeStore } from '../../lambdas/adapters/change-store';
import { TABLES } from '../../lambdas/adapters/tables';
import { WriteConflictError } from '../../lambdas/core/ports';
import type { VersionRecord } from '../../lambdas/core/target';
import { ensureTables, type LocalDynamo } from '../../lib/local/dynamodb';
import { testDynamo } from './local-stack';

/** The change store's version reads and writes on DynamoDB Local. */
jest.setTimeout(180_000);

describe('DynamoChangeStore on DynamoDB Local', () => {
  let dynamo: LocalDynamo;
  let client: DynamoDBClient;
  let store: DynamoChangeStore;
  const tables = { changes: 'changes', ledger: 'ledger' };
  const version = (target: string, v: string): VersionRecord => ({
    target,
    version: v,
    changeId: null,
    artifact: { uri: `s3://artifacts/${v}.zip`, sha256: 'x', bytes: 1 },
    config: {},
    testsPassed: false,
    revision: 0,
    createdAt: '2026-11-29T00:00:00.000Z',
  });
  const create = (target: string, v: string) =>
    store.commit([{ kind: 'version', record: version(target, v), expectedRevision: null }], { type: 'VersionCreated', target, actor: 'test', details: {} });

  beforeAll(async () => {
    dynamo = await testDynamo();
    client = new DynamoDBClient(dynamo.config);
    await ensureTables(
      client,
      TABLES.filter((d) => d.id === 'Changes' || d.id === 'AuditChains').map((definition) => ({
        name: definition.id === 'Changes' ? tables.changes : tables.ledger,
        definition,
      })),
    );
    store = new DynamoChangeStore(DynamoDBDocumentClient.from(client), tables);
  });
  afterAll(async () => {
    client?.destroy();
    await dynamo?.stop();
  });

  describe('highestVersion()', () => {
    it('answers the highest version by semver precedence, not by string order, with pre-releases below their release', async () => {
      for (const v of ['1.9.0', '1.10.0-rc.1', '1.2.0', '1.10.0', '1.10.0-rc.2']) await create('calc', v);
      await create('other', '9.0.0');

      expect(await store.highestVersion('calc')).toBe('1.10.0');
      expect(await store.highestVersion('nothing')).toBeUndefined();
      expect((await store.listVersions('calc')).map((v) => v.version).sort()).toEqual(['1.10.0', '1.10.0-rc.1', '1.10.0-rc.2', '1.2.0', '1.9.0']);
    });

    it('refuses a version that exists as a conflict on that write, and writes nothing', async () => {
      await create('dup', '1.0.0');
      const again = store.commit(
        [
          { kind: 'function', functionName: 'dup-fn', target: 'dup' },
          { kind: 'version', record: version('dup', '1.0.0'), expectedRevision: null },
        ],
        { type: 'VersionCreated', target: 'dup', actor: 'test', details: {} },
      );

      await expect(again).rejects.toEqual(new WriteConflictError(1));
      expect(await store.getFunctionOwner('dup-fn')).toBeUndefined();
    });

    it('names the failed write by its place in the commit, after a new version and its order marker, and writes neither', async () => {
      await store.commit([{ kind: 'function', functionName: 'taken-fn', target: 'a' }], { type: 'TargetRegistered', target: 'a', actor: 'test', details: {} });
      const claim = store.commit(
        [
          { kind: 'version', record: version('b', '1.0.0'), expectedRevision: null },
          { kind: 'function', functionName: 'taken-fn', target: 'b' },
        ],
        { type: 'TargetRegistered', target: 'b', actor: 'test', details: {} },
      );

      await expect(claim).rejects.toEqual(new WriteConflictError(1));
      expect(await store.highestVersion('b')).toBeUndefined();
      expect(await store.getVersion('b', '1.0.0')).toBeUndefined();
    });
  });
});
