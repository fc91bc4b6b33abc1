import { registerTarget, TargetRegistration } from '../../core/use-cases/register-target';
import type { Services } from '../../core/use-cases/services';
import { kmsBundleSigner } from '../aws/kms';
import { lambdaFunctions } from '../aws/lambda';
import { s3Artifacts } from '../aws/s3';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { callerOf, json } from '../http/middleware';

/** POST /targets (a target registration) → 201 the target; 403 not release_admin; 409 already registered. */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, TargetRegistration, async (event) => json(201, await registerTarget(svc, callerOf(event), event.body)));

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { artifacts: s3Artifacts, functions: lambdaFunctions, bundleSigner: kmsBundleSigner };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
