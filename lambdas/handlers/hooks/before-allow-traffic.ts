import * as z from 'zod';
import { runDeploymentHook } from '../../core/use-cases/code-deploy';
import type { Services } from '../../core/use-cases/services';
import { codeDeployDeployments } from '../aws/codedeploy';
import { lambdaFunctions } from '../aws/lambda';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { observed } from '../observability';

/** The event CodeDeploy invokes a Lambda lifecycle hook with. */
const HookEvent = z.object({ DeploymentId: z.string().min(1), LifecycleEventHookExecutionId: z.string().min(1) });

/** CodeDeploy's BeforeAllowTraffic hook: runs the change's smoke tests and reports Succeeded or Failed. */
export const makeHandler = (svc: Services) =>
  observed(async (event: unknown) => {
    const e = HookEvent.parse(event);
    return { status: await runDeploymentHook(svc, 'before-traffic', e.DeploymentId, e.LifecycleEventHookExecutionId) };
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { functions: lambdaFunctions, codeDeploy: codeDeployDeployments };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
