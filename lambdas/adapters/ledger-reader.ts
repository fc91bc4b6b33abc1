import { GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../core/errors';
import type { ChainHead, LedgerEntry } from '../core/ledger';
import type { AuditQuery, LedgerReader, Page } from '../core/ports';
import type { AwsClient } from './aws-client';
import { decodeToken, encodeToken } from './dynamo';
import { LEDGER_TABLE } from './tables';

/** Entries per page when a chain is walked: one verifier holds at most a page per chain. */
const WALK_PAGE = 500;

/**
 * Reads the audit ledger (table layout: LEDGER_TABLE). A query uses the most selective index among
 * changeId, target, actor and type, else every entry (`byKind`), newest first by the global order;
 * the remaining filters and the time range become a FilterExpression.
 */
export class DynamoLedgerReader implements LedgerReader {
  constructor(
    private readonly db: AwsClient,
    private readonly table: string,
  ) {}

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
    const indexName = keyed ? `by${keyed === 'changeId' ? 'Change' : keyed[0].toUpperCase() + keyed.slice(1)}` : 'byKind';
    const keyValue = keyed ? q[keyed] : 'entry';
    let startKey: Record<string, unknown> | undefined;
    try {
      // A token continues the query that returned it: same index, same key value.
      startKey = decodeToken(q.nextToken, { table: LEDGER_TABLE, indexName, partitionValue: keyValue });
    } catch {
      throw ValidationError.field('nextToken', 'is not a token this API returned for this query');
    }
    const input: QueryCommandInput = {
      TableName: this.table,
      IndexName: indexName,
      ScanIndexForward: false,
      Limit: q.limit,
      ExclusiveStartKey: startKey,
      KeyConditionExpression: '#key = :key',
      ExpressionAttributeNames: { ...names, '#key': keyed ?? 'kind' },
      ExpressionAttributeValues: { ...values, ':key': keyValue },
      ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
    };
    const out = await this.db.send(new QueryCommand(input));
    return { items: (out.Items ?? []).map(toEntry), nextToken: encodeToken(out.LastEvaluatedKey) };
  }

  async heads(): Promise<ChainHead[]> {
    const chains: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'byKind',
          KeyConditionExpression: 'kind = :k',
          ExpressionAttributeValues: { ':k': 'head' },
          ProjectionExpression: 'chain',
          ExclusiveStartKey: start,
        }),
      );
      chains.push(...(out.Items ?? []).map((i) => String(i.chain)));
      start = out.LastEvaluatedKey;
    } while (start);
    // The index is eventually consistent: each head is read again from the table, strongly.
    const heads = await Promise.all(chains.map((c) => this.head(c)));
    return heads.filter((h): h is ChainHead => h !== undefined);
  }

  async head(chain: string): Promise<ChainHead | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { chain, seq: 0 }, ConsistentRead: true }));
    const i = out.Item;
    return i ? { chain, seq: Number(i.headSeq), hash: String(i.headHash), ...(i.headTime ? { time: String(i.headTime) } : {}) } : undefined;
  }

  async *entries(chain: string, afterSeq: number): AsyncIterable<LedgerEntry> {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'chain = :c AND seq > :s',
          ExpressionAttributeValues: { ':c': chain, ':s': afterSeq },
          ConsistentRead: true,
          Limit: WALK_PAGE,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) yield toEntry(item);
      start = out.LastEvaluatedKey;
    } while (start);
  }
}

/** A ledger item as an entry (the `kind` marker dropped). */
export function toEntry(item: Record<string, unknown>): LedgerEntry {
  const { kind: _kind, ...entry } = item;
  return entry as unknown as LedgerEntry;
}
