import * as z from 'zod';
import { AUDIT_READERS } from '../../core/policy/change-policy';
import { recordAuditRead } from '../../core/use-cases/record-audit-read';
import type { Services } from '../../core/use-cases/services';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { callerOf, json, parseWith, requireRole } from '../http/middleware';

/** A filter: present means filter by it, so an empty value is refused rather than read as "no filter". */
const Filter = z.string().min(1, 'must not be empty; leave the parameter out not to filter by it').max(128, 'must be at most 128 characters');

const Query = z.strictObject({
  changeId: Filter.optional(),
  target: Filter.optional(),
  actor: Filter.optional(),
  type: Filter.optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  nextToken: z.string().max(4096).optional(),
});

/**
 * GET /audit?changeId=&target=&actor=&type=&from=&to=&limit=&nextToken= → 200 `{items, nextToken?}`
 * newest first; 400 a bad or empty parameter, or a nextToken of another query; 403 not one of AUDIT_READERS;
 * 503 the read could not be recorded (its `AuditQueried` entry is appended after the query ran and before
 * the answer, so neither a refused query nor an unrecorded answer leaves the handler).
 */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, undefined, async (event) => {
    const caller = callerOf(event);
    requireRole(caller, ...AUDIT_READERS);
    const query = parseWith(Query, event.queryStringParameters ?? {}, 'query');
    const page = await svc.ledger.query(query);
    await recordAuditRead(svc, caller, 'GET /audit', query);
    return json(200, page);
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = {};

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
