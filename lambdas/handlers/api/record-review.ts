import { ReviewRequest, recordReview } from '../../core/use-cases/record-review';
import type { Services } from '../../core/use-cases/services';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { callerOf, json } from '../http/middleware';
import { ChangePath, pathParams } from '../http/path-params';

/** POST /changes/{id}/review `{outcome, summary, followUps?}` → 200 the change; 400 bad body or id; 403; 404; 409 not required, not ended or already reviewed. */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, ReviewRequest, async (event) => json(200, await recordReview(svc, callerOf(event), pathParams(event, ChangePath).id, event.body)));

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = {};

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
