import { ApprovalDecisionRequest } from '../../core/change-request';
import { decideApproval } from '../../core/use-cases/decide-approval';
import type { Services } from '../../core/use-cases/services';
import { stepFunctionsWorkflow } from '../aws/step-functions';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { idempotent } from '../http/idempotency';
import { callerOf, json } from '../http/middleware';
import { ChangePath, pathParams } from '../http/path-params';

/**
 * POST /changes/{id}/approvals `{decision, comment}` → 200 the change; 400 bad body or id; 403 own change or no role; 409 not awaiting approval.
 * With an `Idempotency-Key` header, a retry gets the first answer (../http/idempotency.ts); 422 the key was used with another request; 409 its first request is in progress.
 */
export const makeHandler = (svc: Services) =>
  apiHandler(
    svc,
    ApprovalDecisionRequest,
    async (event) => {
      const change = await decideApproval(svc, callerOf(event), pathParams(event, ChangePath).id, event.body);
      return json(200, change);
    },
    { idempotency: idempotent(svc, 'decide-approval') },
  );

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { workflow: stepFunctionsWorkflow };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
