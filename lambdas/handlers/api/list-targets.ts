import type { Services } from '../../core/use-cases/services';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { callerOf, json } from '../http/middleware';

/** GET /targets → 200 `{items}`: registered services with their live version. */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, undefined, async (event) => {
    callerOf(event);
    return json(200, { items: await svc.store.listTargets() });
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = {};

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
