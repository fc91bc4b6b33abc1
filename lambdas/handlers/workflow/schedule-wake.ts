import * as z from 'zod';
import type { Services } from '../../core/use-cases/services';
import { awaitWake } from '../../core/use-cases/wake';
import { codeDeployDeployments } from '../aws/codedeploy';
import { eventBridgeWakes } from '../aws/scheduler';
import { stepFunctionsWorkflow } from '../aws/step-functions';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { ChangeRef, Deployment } from './schemas';
import { taskHandler } from './task-handler';

/**
 * Bake, AwaitCodeDeploy and AwaitWarmUp (waitForTaskToken): keeps the task token with the change and its deadline,
 * and has EventBridge Scheduler wake the workflow then — or wakes it at once when a pause, a promotion,
 * an abort, an alarm's rollback or the CodeDeploy deployment's end was recorded first.
 */
export const makeHandler = (svc: Services) =>
  taskHandler(svc, ChangeRef.extend({ taskToken: z.string().min(1), wait: z.enum(['bake', 'codedeploy', 'warm-up']), deployment: Deployment }), (i, svc) =>
    awaitWake(svc, i.changeId, i.taskToken, i.wait, i.deployment),
  );

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { codeDeploy: codeDeployDeployments, wakes: eventBridgeWakes, workflow: stepFunctionsWorkflow };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
