import type { Services } from '../../core/use-cases/services';
import { awaitResume } from '../../core/use-cases/wake';
import { awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { ChangeRef } from './schemas';
import { taskHandler } from './task-handler';

/** AwaitResume (waitForTaskToken): a paused canary waits here until /resume, /promote, /abort or an alarm. */
export const makeHandler = (svc: Services) =>
  taskHandler(svc, ChangeRef.extend({ taskToken: ChangeRef.shape.changeId }), (i, svc) => awaitResume(svc, i.changeId, i.taskToken));

export const handler = lazy(() => makeHandler(awsServices()));
