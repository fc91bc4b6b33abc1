import type { Services } from '../../core/use-cases/services';
import { awaitResume } from '../../core/use-cases/wake';
import { stepFunctionsWorkflow } from '../aws/step-functions';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { ChangeRef } from './schemas';
import { taskHandler } from './task-handler';

/** AwaitResume (waitForTaskToken): a paused canary waits here until /resume, /promote, /abort or an alarm. */
export const makeHandler = (svc: Services) =>
  taskHandler(svc, ChangeRef.extend({ taskToken: ChangeRef.shape.changeId }), (i, svc) => awaitResume(svc, i.changeId, i.taskToken));

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { workflow: stepFunctionsWorkflow };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
