import type { Services } from '../../core/use-cases/services';
import { warmUp } from '../../core/use-cases/warm-capacity';
import { lambdaFunctions } from '../aws/lambda';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { ChangeRef, Deployment } from './schemas';
import { taskHandler } from './task-handler';

/** WarmUp (blue-green): requests the new version's provisioned concurrency and looks at it; returns the DeploymentState (continue, wait, stopped). */
export const makeHandler = (svc: Services) => taskHandler(svc, ChangeRef.extend({ deployment: Deployment }), (i, svc) => warmUp(svc, i.changeId, i.deployment));

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { functions: lambdaFunctions };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
