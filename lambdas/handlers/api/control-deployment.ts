import * as z from 'zod';
import { CONTROLS, controlDeployment } from '../../core/use-cases/operator-controls';
import type { Services } from '../../core/use-cases/services';
import { codeDeployDeployments } from '../aws/codedeploy';
import { lambdaFunctions } from '../aws/lambda';
import { stepFunctionsWorkflow } from '../aws/step-functions';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { idempotent } from '../http/idempotency';
import { callerOf, json } from '../http/middleware';
import { ChangePath, pathParams } from '../http/path-params';

const Body = z.strictObject({ reason: z.string().max(2000).default('') }).default({ reason: '' });

/** The control is the last segment of the route (`/changes/{id}/pause` → pause). */
const Control = z.enum(CONTROLS);

/**
 * POST /changes/{id}/pause | /resume | /promote | /abort `{reason?}` → 200 the change;
 * 400 bad body or id; 403 not release_admin; 404; 409 not deploying, not applicable to its strategy, or already (not) paused.
 * With an `Idempotency-Key` header, a retry gets the first answer (../http/idempotency.ts); 422 the key was used with
 * another request (another control, change or reason); 409 its first request is in progress.
 */
export const makeHandler = (svc: Services) =>
  apiHandler(
    svc,
    Body,
    async (event) => {
      const control = Control.parse(event.resource.split('/').pop());
      return json(200, await controlDeployment(svc, callerOf(event), pathParams(event, ChangePath).id, control, event.body.reason));
    },
    { idempotency: idempotent(svc, 'control-deployment') },
  );

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { functions: lambdaFunctions, workflow: stepFunctionsWorkflow, codeDeploy: codeDeployDeployments };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
