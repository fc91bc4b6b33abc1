import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type KeyAttribute, TABLES, type TableDefinition } from './tables';

/**
 * A document client that drops `undefined` attributes (optional fields of our records).
 * @param instrument - applied to the DynamoDB client before it is wrapped (e.g. X-Ray tracing)
 */
export function documentClient(config: DynamoDBClientConfig = {}, instrument: (client: DynamoDBClient) => DynamoDBClient = (c) => c): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(instrument(new DynamoDBClient(config)), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/** Encodes a DynamoDB `LastEvaluatedKey` as an opaque page token (base64url JSON). */
export function encodeToken(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

/** The query a page token continues: its table, the index it reads (none: the table) and the value of that index's partition key. */
export interface PageQuery {
  readonly table: TableDefinition;
  readonly indexName?: string;
  readonly partitionValue?: string | number;
}

/** Longest page token accepted: a key of CMV's tables encodes in well under 4 KB. */
const MAX_TOKEN_LENGTH = 4096;

/**
 * Decodes a page token from `encodeToken` and checks that it is a key DynamoDB could have returned
 * as `LastEvaluatedKey` (so that a forged token is refused here, not by DynamoDB): exactly the key
 * attributes of the table plus those of the index read, of their types, within DynamoDB's key sizes
 * (partition ≤ 2,048 bytes, sort ≤ 1,024). With `query`, the key must be one of that query (its
 * index, its partition value); without, a key of any table or index of CMV.
 * @returns undefined when absent
 * @throws Error when malformed or not such a key (callers map it to 400 on `nextToken`)
 */
export function decodeToken(token: string | undefined, query?: PageQuery): Record<string, unknown> | undefined {
  if (!token) return undefined;
  if (token.length > MAX_TOKEN_LENGTH) throw new Error('token too long');
  const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('bad token');
  const key = parsed as Record<string, unknown>;
  const shapes = query ? [keyShape(query.table, query.indexName)] : TABLES.flatMap((t) => [keyShape(t), ...t.indexes.map((i) => keyShape(t, i.indexName))]);
  if (!shapes.some((shape) => fits(key, shape))) throw new Error('not a key of this query');
  if (query?.partitionValue !== undefined && key[partitionOf(query).name] !== query.partitionValue) throw new Error('a key of another partition');
  return key;
}

/** A key attribute with its DynamoDB size limit in bytes. */
type ShapedAttribute = KeyAttribute & { readonly maxBytes: number };

/** The attributes of a `LastEvaluatedKey` of `table` or one of its indexes: the table's key, plus the index's. */
function keyShape(table: TableDefinition, indexName?: string): ShapedAttribute[] {
  const shape: ShapedAttribute[] = [
    { ...table.partitionKey, maxBytes: 2048 },
    { ...table.sortKey, maxBytes: 1024 },
  ];
  const index = table.indexes.find((i) => i.indexName === indexName);
  if (indexName !== undefined && !index) throw new Error(`unknown index ${indexName}`);
  for (const [attribute, maxBytes] of index
    ? ([
        [index.partitionKey, 2048],
        [index.sortKey, 1024],
      ] as const)
    : []) {
    if (!shape.some((a) => a.name === attribute.name)) shape.push({ ...attribute, maxBytes });
  }
  return shape;
}

function partitionOf(query: PageQuery): KeyAttribute {
  return query.table.indexes.find((i) => i.indexName === query.indexName)?.partitionKey ?? query.table.partitionKey;
}

function fits(key: Record<string, unknown>, shape: readonly ShapedAttribute[]): boolean {
  if (Object.keys(key).length !== shape.length) return false;
  return shape.every(({ name, type, maxBytes }) => {
    const value = key[name];
    return type === 'S'
      ? typeof value === 'string' && value.length > 0 && Buffer.byteLength(value) <= maxBytes
      : typeof value === 'number' && Number.isFinite(value);
  });
}
