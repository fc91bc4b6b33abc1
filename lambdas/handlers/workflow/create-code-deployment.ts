import { createCodeDeployment } from '../../core/use-cases/code-deploy';
import type { Services } from '../../core/use-cases/services';
import { awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { ChangeRef, Deployment } from './schemas';
import { taskHandler } from './task-handler';

/** CreateCodeDeployment: creates the change's CodeDeploy deployment (once); returns the DeploymentState. */
export const makeHandler = (svc: Services) =>
  taskHandler(svc, ChangeRef.extend({ deployment: Deployment }), (i, svc) => createCodeDeployment(svc, i.changeId, i.deployment));

export const handler = lazy(() => makeHandler(awsServices()));
