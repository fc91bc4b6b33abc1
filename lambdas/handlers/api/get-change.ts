import { NotFoundError } from '../../core/errors';
import type { Services } from '../../core/use-cases/services';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { callerOf, json } from '../http/middleware';
import { ChangePath, pathParams } from '../http/path-params';

/** GET /changes/{id} → 200 the change (status, approvals, tests, deployment, timestamps); 400 a bad id (pathParams); 404. */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, undefined, async (event) => {
    callerOf(event);
    const { id } = pathParams(event, ChangePath);
    const change = await svc.store.getChange(id);
    if (!change) throw new NotFoundError(`change ${id} does not exist`);
    return json(200, change);
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = {};

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
