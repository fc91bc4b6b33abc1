import { loadChange } from '../../core/use-cases/record-change';
import { retireVersions } from '../../core/use-cases/retire-versions';
import type { Services } from '../../core/use-cases/services';
import { lambdaFunctions } from '../aws/lambda';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { ChangeRef } from './schemas';
import { taskHandler } from './task-handler';

/** RetireVersions: after a promotion, deletes the target's published versions beyond its retention (never the live or last good one). */
export const makeHandler = (svc: Services) =>
  taskHandler(svc, ChangeRef, async (i, svc) => ({ retired: await retireVersions(svc, (await loadChange(svc, i.changeId)).target) }));

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { functions: lambdaFunctions };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
