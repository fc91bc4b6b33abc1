import { followCodeDeployment } from '../../core/use-cases/code-deploy';
import type { Services } from '../../core/use-cases/services';
import { cloudWatchAlarms, cloudWatchMetrics } from '../aws/cloudwatch';
import { codeDeployDeployments } from '../aws/codedeploy';
import { lambdaFunctions } from '../aws/lambda';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { ChangeRef, Deployment } from './schemas';
import { taskHandler } from './task-handler';

/** FollowCodeDeployment: polls the CodeDeploy deployment, records the shifts it sees and its end. */
export const makeHandler = (svc: Services) =>
  taskHandler(svc, ChangeRef.extend({ deployment: Deployment }), (i, svc) => followCodeDeployment(svc, i.changeId, i.deployment));

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { codeDeploy: codeDeployDeployments, functions: lambdaFunctions, alarms: cloudWatchAlarms, metrics: cloudWatchMetrics };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
