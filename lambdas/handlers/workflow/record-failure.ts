import * as z from 'zod';
import { recordFailure } from '../../core/use-cases/deploy';
import type { Services } from '../../core/use-cases/services';
import { lambdaFunctions } from '../aws/lambda';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { CaughtError, ChangeRef, describeError } from './schemas';
import { taskHandler } from './task-handler';

/** RecordExpired / RecordFailure: the change ends `expired` or `failed`, never stuck in a non-final status. */
export const makeHandler = (svc: Services) =>
  taskHandler(svc, ChangeRef.extend({ outcome: z.enum(['expired', 'failed']), error: CaughtError.optional() }), (i, svc) =>
    recordFailure(svc, i.changeId, i.outcome, i.outcome === 'expired' ? 'quorum was not reached before the approval timeout' : describeError(i.error)),
  );

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { functions: lambdaFunctions };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
