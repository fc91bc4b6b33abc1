import { checkCanary } from '../../core/use-cases/deploy';
import type { Services } from '../../core/use-cases/services';
import { cloudWatchAlarms, cloudWatchMetrics } from '../aws/cloudwatch';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { ChangeRef, Deployment } from './schemas';
import { taskHandler } from './task-handler';

/** CheckCanary: reads the alarms after a bake and returns the DeploymentState with the decision. */
export const makeHandler = (svc: Services) =>
  taskHandler(svc, ChangeRef.extend({ deployment: Deployment }), (i, svc) => checkCanary(svc, i.changeId, i.deployment));

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { alarms: cloudWatchAlarms, metrics: cloudWatchMetrics };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
