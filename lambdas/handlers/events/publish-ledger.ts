import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { toEntry } from '../../adapters/ledger-reader';
import { busEventOf, rollbackNotice } from '../../core/events';
import type { LedgerEntry } from '../../core/ledger';
import { metricsOfEntry } from '../../core/operational-metrics';
import type { Services } from '../../core/use-cases/services';
import { eventBridgeBus } from '../aws/eventbridge';
import { s3DeploymentConfig } from '../aws/s3';
import { snsNotifier } from '../aws/sns';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { emit, logger, observed } from '../observability';

/**
 * The ledger stream's consumer: each new ledger entry becomes a CMV event on the bus (the ledger
 * is the outbox: an event exists exactly when its state change committed), and a rollback also
 * e-mails the change's requester and approvers. In stream order; on a failure, that record and
 * every later one of the batch are reported failed (ReportBatchItemFailures), so the retry keeps
 * the order and delivers at least once. Records that are not inserts (TTL expiry) are skipped.
 */
export const makeHandler = (svc: Services) =>
  observed(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const records = event.Records ?? [];
    for (const [i, record] of records.entries()) {
      try {
        if (record.eventName !== 'INSERT' || !record.dynamodb?.NewImage) continue;
        const item = unmarshall(record.dynamodb.NewImage as Record<string, AttributeValue>);
        if (item.kind !== 'entry') continue; // a chain's head, not an entry
        const entry = toEntry(item);
        await svc.events?.publish([busEventOf(entry)]);
        await notifyRollback(svc, entry);
        emit(metricsOfEntry(entry, await proposedAt(svc, entry)));
      } catch (err) {
        logger.error('ledger event not published', { sequenceNumber: record.dynamodb?.SequenceNumber, error: err as Error });
        return { batchItemFailures: records.slice(i).map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? '' })) };
      }
    }
    return { batchItemFailures: [] };
  });

/** When a deployed change was proposed (its record's `createdAt`): the start of `ProposalToFullTrafficMs`. */
async function proposedAt(svc: Services, entry: LedgerEntry): Promise<string | undefined> {
  if (entry.type !== 'ChangeDeployed' || !entry.changeId) return undefined;
  return (await svc.store.getChange(entry.changeId))?.createdAt;
}

async function notifyRollback(svc: Services, entry: LedgerEntry): Promise<void> {
  const notice = rollbackNotice(entry);
  if (!notice || !entry.changeId) return;
  const change = await svc.store.getChange(entry.changeId);
  const ids = [change?.requester, ...(change?.approvals ?? []).map((v) => v.approver)].filter((id): id is string => Boolean(id));
  const to = [...new Set((await Promise.all(ids.map((id) => svc.directory.find(id)))).map((u) => u?.email).filter((e): e is string => Boolean(e)))];
  if (to.length > 0) await svc.notifier.send({ ...notice, to, changeId: entry.changeId });
}

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { config: s3DeploymentConfig, events: eventBridgeBus, notifier: snsNotifier };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
