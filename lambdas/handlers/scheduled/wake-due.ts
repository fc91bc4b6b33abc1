import * as z from 'zod';
import type { Services } from '../../core/use-cases/services';
import { deliverDueWake } from '../../core/use-cases/wake';
import { codeDeployDeployments } from '../aws/codedeploy';
import { stepFunctionsWorkflow } from '../aws/step-functions';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { observed } from '../observability';

/** What a wake's one-time schedule sends (its Target.Input). */
const WakeEvent = z.object({ changeId: z.string().min(1).max(128) });

/**
 * The target of the workflow's one-time wake schedules (EventBridge Scheduler): ends the change's
 * timed wait (a bake, a CodeDeploy look) when its deadline has come; a schedule of an earlier wait
 * finds a later deadline, or none, and does nothing.
 */
export const makeHandler = (svc: Services) =>
  observed(async (event: unknown) => {
    const { changeId } = WakeEvent.parse(event);
    return { changeId, woken: (await deliverDueWake(svc, changeId)) ?? null };
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { codeDeploy: codeDeployDeployments, workflow: stepFunctionsWorkflow };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
