import { z } from 'zod';
import type { Services } from '../../core/use-cases/services';
import { awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { callerOf, json, parseWith, requireRole } from '../http/middleware';

const Query = z.strictObject({
  changeId: z.string().optional(),
  target: z.string().optional(),
  actor: z.string().optional(),
  type: z.string().optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  nextToken: z.string().optional(),
});

/** GET /audit?changeId=&target=&actor=&type=&from=&to=&limit=&nextToken= → 200 `{items, nextToken?}` newest first. */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, undefined, async (event) => {
    requireRole(callerOf(event), 'auditor', 'release_admin', 'approver', 'requester');
    return json(200, await svc.ledger.query(parseWith(Query, event.queryStringParameters ?? {}, 'query')));
  });

export const handler = lazy(() => makeHandler(awsServices()));
