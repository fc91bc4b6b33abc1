import * as z from 'zod';
import type { Services } from '../../core/use-cases/services';
import { requireSmokeTests } from '../../core/use-cases/smoke-tests';
import { lambdaFunctions } from '../aws/lambda';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { ChangeRef } from './schemas';
import { taskHandler } from './task-handler';

/** SmokeTests{Before,After}Traffic: runs the target's smoke tests; a failure throws DeploymentError (→ Rollback). */
export const makeHandler = (svc: Services) =>
  taskHandler(svc, ChangeRef.extend({ phase: z.enum(['before-traffic', 'after-traffic']) }), (i, svc) => requireSmokeTests(svc, i.changeId, i.phase));

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { functions: lambdaFunctions };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
