import * as z from 'zod';
import { CHANGE_STATUSES } from '../../core/change';
import { TargetName } from '../../core/change-request';
import type { Services } from '../../core/use-cases/services';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { callerOf, json, parseWith } from '../http/middleware';

const Query = z.strictObject({
  target: TargetName.optional(),
  status: z.enum(CHANGE_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  nextToken: z.string().max(4096).optional(),
});

/** GET /changes?target=&status=&limit=&nextToken= → 200 `{items, nextToken?}`, newest first. */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, undefined, async (event) => {
    callerOf(event);
    const q = parseWith(Query, event.queryStringParameters ?? {}, 'query');
    return json(200, await svc.store.listChanges(q));
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = {};

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
