/**
 * CMV's DynamoDB tables, as plain data. The CDK construct (lib/constructs/cmv-tables.ts), the local
 * runtime (lib/local/dynamodb.ts) and the repositories all read this one module, so local tables
 * equal deployed ones.
 */

/** A key attribute: name and DynamoDB scalar type. */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

/** A global secondary index (projection: ALL). */
export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
}

/** A table: keys, indexes and the TTL attribute (epoch seconds). */
export interface TableDefinition {
  /** Construct id in CDK and default table name locally. */
  readonly id: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly indexes: readonly IndexDefinition[];
  readonly timeToLiveAttribute?: string;
  /** A DynamoDB stream of the new items (the ledger's: CMV's events are published from it). */
  readonly stream?: 'NEW_IMAGE';
}

/**
 * Changes, targets, versions and single-use approval links, one item type per key prefix:
 * `CHANGE#<id>`/`CHANGE`, `TARGET#<name>`/`TARGET`, `TARGET#<name>`/`VERSION#<version>`,
 * `CHANGE#<id>`/`LINK#<sha256>`, `CHANGE#<id>`/`TASK_TOKEN`, `FUNCTION#<name>`/`FUNCTION` (a function's
 * claim by its target). Changes, targets and outstanding task tokens carry `kind` and `createdKey`:
 * `byCreated` lists each kind; only changes carry `target` and `status`, so the other indexes list changes only.
 */
export const CHANGES_TABLE = {
  id: 'Changes',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  indexes: [
    { indexName: 'byTarget', partitionKey: { name: 'target', type: 'S' }, sortKey: { name: 'createdKey', type: 'S' } },
    { indexName: 'byStatus', partitionKey: { name: 'status', type: 'S' }, sortKey: { name: 'createdKey', type: 'S' } },
    { indexName: 'byCreated', partitionKey: { name: 'kind', type: 'S' }, sortKey: { name: 'createdKey', type: 'S' } },
  ],
  timeToLiveAttribute: 'expiresAt',
} as const satisfies TableDefinition;

/**
 * The audit ledger: one hash chain per target (lambdas/core/ledger.ts). An entry is the item
 * `chain = <chain>`, `seq = <seq in the chain>` (from 1), with `kind = "entry"` and its global
 * `order`; each chain's head is the item `seq = 0` of its chain, `kind = "head"` (`order` = the
 * chain, so `byKind` lists the heads). Every index sorts by `order`, the readers' global order:
 * `byKind` ("entry": all entries, "head": all heads), and by change, target, actor and type.
 */
export const LEDGER_TABLE = {
  id: 'AuditChains',
  partitionKey: { name: 'chain', type: 'S' },
  sortKey: { name: 'seq', type: 'N' },
  indexes: [
    { indexName: 'byKind', partitionKey: { name: 'kind', type: 'S' }, sortKey: { name: 'order', type: 'S' } },
    { indexName: 'byChange', partitionKey: { name: 'changeId', type: 'S' }, sortKey: { name: 'order', type: 'S' } },
    { indexName: 'byTarget', partitionKey: { name: 'target', type: 'S' }, sortKey: { name: 'order', type: 'S' } },
    { indexName: 'byActor', partitionKey: { name: 'actor', type: 'S' }, sortKey: { name: 'order', type: 'S' } },
    { indexName: 'byType', partitionKey: { name: 'type', type: 'S' }, sortKey: { name: 'order', type: 'S' } },
  ],
  stream: 'NEW_IMAGE',
} as const satisfies TableDefinition;

/**
 * The ledger of CMV before per-target chains (one global chain: entries under `chain = "main"` by
 * `seq`, the head at `chain = "head"`, `seq = 0`). No longer written; its entries are copied once
 * into the chain `legacy` of {@link LEDGER_TABLE} (lib/local/ledger-migration.ts).
 */
export const LEGACY_LEDGER_TABLE = {
  id: 'AuditLedger',
  partitionKey: { name: 'chain', type: 'S' },
  sortKey: { name: 'seq', type: 'N' },
  indexes: [],
} as const satisfies TableDefinition;

/**
 * The first answers of API requests sent with an `Idempotency-Key` (lambdas/handlers/http/idempotency.ts),
 * as Powertools' idempotency utility stores them (`DynamoDBPersistenceLayer`): `pk` = the handler
 * (`idempotency#<handler>`), `sk` = the hashed key; each record expires (TTL `expiration`, epoch s)
 * 24 h after its request. Its own table: the handlers that keep records update and delete them here,
 * which no role may do on the other tables.
 */
export const IDEMPOTENCY_TABLE = {
  id: 'Idempotency',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  indexes: [],
  timeToLiveAttribute: 'expiration',
} as const satisfies TableDefinition;

export const TABLES: readonly TableDefinition[] = [CHANGES_TABLE, LEDGER_TABLE, IDEMPOTENCY_TABLE];
