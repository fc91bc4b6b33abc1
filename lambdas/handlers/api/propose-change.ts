import { ProposeChangeRequest } from '../../core/change-request';
import { ValidationError } from '../../core/errors';
import { previewChange, proposeChange } from '../../core/use-cases/propose-change';
import type { Services } from '../../core/use-cases/services';
import { s3Artifacts, s3DeploymentConfig } from '../aws/s3';
import { stepFunctionsWorkflow } from '../aws/step-functions';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { idempotent } from '../http/idempotency';
import { callerOf, json } from '../http/middleware';

/**
 * POST /changes → 201 `{changeId, target, version, status, plan}`; 400 with field errors; 404 target;
 * 409 version exists or the policy cannot be met. `?dryRun=true` → 200 `{dryRun, target, version,
 * baseVersion, artifactSha256, plan}` and writes nothing. With an `Idempotency-Key` header, a retry gets the
 * first answer (../http/idempotency.ts); 422 the key was used with another request; 409 its first request is in progress.
 */
export const makeHandler = (svc: Services) =>
  apiHandler(
    svc,
    ProposeChangeRequest,
    async (event) => {
      const dryRun = event.queryStringParameters?.dryRun;
      if (dryRun !== undefined && dryRun !== 'true' && dryRun !== 'false') throw ValidationError.field('dryRun', 'must be true or false');
      if (dryRun === 'true') return json(200, { dryRun: true, ...(await previewChange(svc, callerOf(event), event.body)) });
      const change = await proposeChange(svc, callerOf(event), event.body);
      return json(201, {
        changeId: change.changeId,
        target: change.target,
        version: change.version,
        status: change.status,
        executionArn: change.executionArn,
        plan: change.plan,
      });
    },
    { idempotency: idempotent(svc, 'propose-change') },
  );

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { artifacts: s3Artifacts, config: s3DeploymentConfig, workflow: stepFunctionsWorkflow };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
