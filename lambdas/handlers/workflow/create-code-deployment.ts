import { createCodeDeployment } from '../../core/use-cases/code-deploy';
import type { Services } from '../../core/use-cases/services';
import { codeDeployDeployments } from '../aws/codedeploy';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { ChangeRef, Deployment } from './schemas';
import { taskHandler } from './task-handler';

/** CreateCodeDeployment: creates the change's CodeDeploy deployment (once); returns the DeploymentState. */
export const makeHandler = (svc: Services) =>
  taskHandler(svc, ChangeRef.extend({ deployment: Deployment }), (i, svc) => createCodeDeployment(svc, i.changeId, i.deployment));

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { codeDeploy: codeDeployDeployments };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
