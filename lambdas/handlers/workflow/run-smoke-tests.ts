import * as z from 'zod';
import type { Services } from '../../core/use-cases/services';
import { requireSmokeTests } from '../../core/use-cases/smoke-tests';
import { awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { ChangeRef } from './schemas';
import { taskHandler } from './task-handler';

/** SmokeTests{Before,After}Traffic: runs the target's smoke tests; a failure throws DeploymentError (→ Rollback). */
export const makeHandler = (svc: Services) =>
  taskHandler(svc, ChangeRef.extend({ phase: z.enum(['before-traffic', 'after-traffic']) }), (i, svc) => requireSmokeTests(svc, i.changeId, i.phase));

export const handler = lazy(() => makeHandler(awsServices()));
