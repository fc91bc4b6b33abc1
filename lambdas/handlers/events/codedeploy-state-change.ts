import * as z from 'zod';
import { codeDeployStateChanged } from '../../core/use-cases/code-deploy';
import type { Services } from '../../core/use-cases/services';
import { stepFunctionsWorkflow } from '../aws/step-functions';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { observed } from '../observability';

/** The part of a "CodeDeploy Deployment State-change Notification" event it reads. */
const DeploymentEvent = z.object({
  detail: z.object({ deploymentId: z.string().min(1), deploymentGroup: z.string().min(1), state: z.string().min(1) }),
});

/** A CodeDeploy deployment of CMV's application ended: the deploying change's workflow follows it at once. */
export const makeHandler = (svc: Services) =>
  observed(async (event: unknown) => {
    const { detail } = DeploymentEvent.parse(event);
    return { woken: (await codeDeployStateChanged(svc, detail)) ?? null };
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { workflow: stepFunctionsWorkflow };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
