import { type LedgerEntry, verifySnapshot } from '../../core/ledger';
import type { Services } from '../../core/use-cases/services';
import { awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { callerOf, json } from '../http/middleware';

/** GET /audit/verify → 200 `{valid, entries, head}` or `{valid: false, firstBadSeq, reason}`. */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, undefined, async (event) => {
    callerOf(event);
    const before = await svc.ledger.head();
    const entries: LedgerEntry[] = [];
    for await (const e of svc.ledger.all()) entries.push(e);
    return json(200, verifySnapshot(entries, before, await svc.ledger.head()));
  });

export const handler = lazy(() => makeHandler(awsServices()));
