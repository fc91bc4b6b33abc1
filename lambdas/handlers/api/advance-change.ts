import { AdvanceChangeRequest, advanceChange } from '../../core/use-cases/advance-change';
import type { Services } from '../../core/use-cases/services';
import { cloudWatchAlarms } from '../aws/cloudwatch';
import { kmsBundleSigner } from '../aws/kms';
import { s3Artifacts, s3DeploymentConfig } from '../aws/s3';
import { stepFunctionsWorkflow } from '../aws/step-functions';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { idempotent } from '../http/idempotency';
import { callerOf, json } from '../http/middleware';
import { ChangePath, pathParams } from '../http/path-params';

/**
 * POST /changes/{id}/advance `{environment, version?, config?, reason?}` → 201 the new change in the next
 * environment `{changeId, target, version, status, executionArn, plan, promotedFrom}`; 400 bad body or id,
 * or an environment outside the policy's promotion order; 403 not a requester; 404; 409 not deployed, no
 * longer live, unhealthy or too soon (how long is left), not the next environment, or already advanced.
 * With an `Idempotency-Key` header, a retry gets the first answer (../http/idempotency.ts).
 */
export const makeHandler = (svc: Services) =>
  apiHandler(
    svc,
    AdvanceChangeRequest,
    async (event) => {
      const change = await advanceChange(svc, callerOf(event), pathParams(event, ChangePath).id, event.body);
      return json(201, {
        changeId: change.changeId,
        target: change.target,
        version: change.version,
        status: change.status,
        executionArn: change.executionArn,
        plan: change.plan,
        promotedFrom: change.promotedFrom,
      });
    },
    { idempotency: idempotent(svc, 'advance-change') },
  );

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = {
  artifacts: s3Artifacts,
  config: s3DeploymentConfig,
  alarms: cloudWatchAlarms,
  workflow: stepFunctionsWorkflow,
  bundleSigner: kmsBundleSigner,
};

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
