import { startDeployment } from '../../core/use-cases/deploy';
import type { Services } from '../../core/use-cases/services';
import { awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { ChangeRef } from './schemas';
import { taskHandler } from './task-handler';

/** StartDeployment: publishes the version, arms its alarm, locks the target; returns the DeploymentState. */
export const makeHandler = (svc: Services) => taskHandler(svc, ChangeRef, (i, svc) => startDeployment(svc, i.changeId));

export const handler = lazy(() => makeHandler(awsServices()));
