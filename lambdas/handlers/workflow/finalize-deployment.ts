import { finalizeDeployment } from '../../core/use-cases/deploy';
import type { Services } from '../../core/use-cases/services';
import { awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { ChangeRef } from './schemas';
import { taskHandler } from './task-handler';

/** Promote: the change is deployed and its version live. */
export const makeHandler = (svc: Services) => taskHandler(svc, ChangeRef, (i, svc) => finalizeDeployment(svc, i.changeId));

export const handler = lazy(() => makeHandler(awsServices()));
