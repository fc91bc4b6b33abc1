import { type LedgerEntry, verifySnapshot } from '../../core/ledger';
import { AUDIT_READERS } from '../../core/policy/change-policy';
import type { Services } from '../../core/use-cases/services';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { callerOf, json, requireRole } from '../http/middleware';

/** GET /audit/verify → 200 `{valid, entries, head}` or `{valid: false, firstBadSeq, reason}`; 403 not one of AUDIT_READERS. */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, undefined, async (event) => {
    requireRole(callerOf(event), ...AUDIT_READERS);
    const before = await svc.ledger.head();
    const entries: LedgerEntry[] = [];
    for await (const e of svc.ledger.all()) entries.push(e);
    return json(200, verifySnapshot(entries, before, await svc.ledger.head()));
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = {};

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
