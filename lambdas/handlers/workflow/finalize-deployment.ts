import { finalizeDeployment } from '../../core/use-cases/deploy';
import type { Services } from '../../core/use-cases/services';
import { lambdaFunctions } from '../aws/lambda';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { ChangeRef } from './schemas';
import { taskHandler } from './task-handler';

/** Promote: the change is deployed and its version live. */
export const makeHandler = (svc: Services) => taskHandler(svc, ChangeRef, (i, svc) => finalizeDeployment(svc, i.changeId));

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { functions: lambdaFunctions };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
