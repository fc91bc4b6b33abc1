import * as z from 'zod';
import { rollBack } from '../../core/use-cases/deploy';
import { loadChange } from '../../core/use-cases/record-change';
import type { Services } from '../../core/use-cases/services';
import { lambdaFunctions } from '../aws/lambda';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { CaughtError, ChangeRef, describeError } from './schemas';
import { taskHandler } from './task-handler';

const Input = ChangeRef.extend({ deployment: z.object({ error: CaughtError.optional() }).loose().optional() });

/** Rollback: the alias back on the previous version; the reason is the caught error or the canary's decision. */
export const makeHandler = (svc: Services) =>
  taskHandler(svc, Input, async (i, svc) => {
    let reason: string;
    if (i.deployment?.error) reason = `deployment step failed: ${describeError(i.deployment.error)}`;
    else {
      const history = (await loadChange(svc, i.changeId)).deployment?.history ?? [];
      reason = history[history.length - 1]?.reason ?? 'rolled back';
    }
    await rollBack(svc, i.changeId, reason);
    return { reason };
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { functions: lambdaFunctions };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
