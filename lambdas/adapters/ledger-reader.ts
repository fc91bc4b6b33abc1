import { type DynamoDBDocumentClient, GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../core/errors';
import { GENESIS_HASH, type LedgerEntry, type LedgerHead } from '../core/ledger';
import type { AuditQuery, LedgerReader, Page } from '../core/ports';
import { decodeToken, encodeToken } from './dynamo';
import { LEDGER_TABLE } from './tables';

/**
 * Reads the audit ledger. A query uses the most selective index among changeId, target, actor and
 * type (newest first); the remaining filters and the time range become a FilterExpression.
 */
export class DynamoLedgerReader implements LedgerReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async head(): Promise<LedgerHead> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { chain: 'head', seq: 0 }, ConsistentRead: true }));
    return out.Item ? { seq: out.Item.headSeq as number, hash: out.Item.headHash as string } : { seq: 0, hash: GENESIS_HASH };
  }

  async query(q: AuditQuery): Promise<Page<LedgerEntry>> {
    const keyed = (['changeId', 'target', 'actor', 'type'] as const).find((k) => q[k] !== undefined);
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const filters: string[] = [];
    for (const k of ['changeId', 'target', 'actor', 'type'] as const) {
      if (q[k] === undefined || k === keyed) continue;
      names[`#${k}`] = k;
      values[`:${k}`] = q[k];
      filters.push(`#${k} = :${k}`);
    }
    if (q.from) {
      names['#time'] = 'time';
      values[':from'] = q.from;
      filters.push('#time >= :from');
    }
    if (q.to) {
      names['#time'] = 'time';
      values[':to'] = q.to;
      filters.push('#time <= :to');
    }
    const indexName = keyed ? `by${keyed === 'changeId' ? 'Change' : keyed[0].toUpperCase() + keyed.slice(1)}` : undefined;
    let startKey: Record<string, unknown> | undefined;
    try {
      // A token continues the query that returned it: same index, same key value.
      startKey = decodeToken(q.nextToken, { table: LEDGER_TABLE, indexName, partitionValue: keyed ? q[keyed] : 'main' });
    } catch {
      throw ValidationError.field('nextToken', 'is not a token this API returned for this query');
    }
    const input: QueryCommandInput = {
      TableName: this.table,
      ScanIndexForward: false,
      Limit: q.limit,
      ExclusiveStartKey: startKey,
      ...(indexName ? { IndexName: indexName } : {}),
      KeyConditionExpression: '#key = :key',
      ExpressionAttributeNames: { ...names, '#key': keyed ?? 'chain' },
      ExpressionAttributeValues: { ...values, ':key': keyed ? q[keyed] : 'main' },
      ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
    };
    const out = await this.db.send(new QueryCommand(input));
    return { items: (out.Items ?? []).map(toEntry), nextToken: encodeToken(out.LastEvaluatedKey) };
  }

  async *all(): AsyncIterable<LedgerEntry> {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'chain = :c',
          ExpressionAttributeValues: { ':c': 'main' },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) yield toEntry(item);
      start = out.LastEvaluatedKey;
    } while (start);
  }
}

function toEntry(item: Record<string, unknown>): LedgerEntry {
  const { chain: _chain, ...entry } = item;
  return entry as unknown as LedgerEntry;
}
