import { shiftTraffic } from '../../core/use-cases/deploy';
import type { Services } from '../../core/use-cases/services';
import { lambdaFunctions } from '../aws/lambda';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { ChangeRef, Deployment } from './schemas';
import { taskHandler } from './task-handler';

/** ShiftTraffic: UpdateAlias to the step's weight (RevisionId-guarded); returns the DeploymentState. */
export const makeHandler = (svc: Services) =>
  taskHandler(svc, ChangeRef.extend({ deployment: Deployment }), (i, svc) => shiftTraffic(svc, i.changeId, i.deployment));

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { functions: lambdaFunctions };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
