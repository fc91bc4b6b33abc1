import * as z from 'zod';
import { activateVersion } from '../../core/use-cases/activate-version';
import type { Services } from '../../core/use-cases/services';
import { kmsBundleSigner } from '../aws/kms';
import { lambdaFunctions } from '../aws/lambda';
import { s3Artifacts } from '../aws/s3';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { callerOf, json } from '../http/middleware';
import { pathParams, VersionPath } from '../http/path-params';

const Body = z.strictObject({ reason: z.string().max(2000).default('') }).default({ reason: '' });

/** POST /targets/{target}/versions/{version}/activate `{reason?}` → 200 the target; 400 bad path parameter; 403 not release_admin; 404; 409 never passed. */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, Body, async (event) => {
    const { target, version } = pathParams(event, VersionPath);
    return json(200, await activateVersion(svc, callerOf(event), target, version, event.body.reason));
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { artifacts: s3Artifacts, functions: lambdaFunctions, bundleSigner: kmsBundleSigner };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
