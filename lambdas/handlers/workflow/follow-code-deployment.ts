import { followCodeDeployment } from '../../core/use-cases/code-deploy';
import type { Services } from '../../core/use-cases/services';
import { awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { ChangeRef, Deployment } from './schemas';
import { taskHandler } from './task-handler';

/** FollowCodeDeployment: polls the CodeDeploy deployment, records the shifts it sees and its end. */
export const makeHandler = (svc: Services) =>
  taskHandler(svc, ChangeRef.extend({ deployment: Deployment }), (i, svc) => followCodeDeployment(svc, i.changeId, i.deployment));

export const handler = lazy(() => makeHandler(awsServices()));
