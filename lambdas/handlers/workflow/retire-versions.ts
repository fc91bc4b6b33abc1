import { loadChange } from '../../core/use-cases/record-change';
import { retireVersions } from '../../core/use-cases/retire-versions';
import type { Services } from '../../core/use-cases/services';
import { awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { ChangeRef } from './schemas';
import { taskHandler } from './task-handler';

/** RetireVersions: after a promotion, deletes the target's published versions beyond its retention (never the live or last good one). */
export const makeHandler = (svc: Services) =>
  taskHandler(svc, ChangeRef, async (i, svc) => ({ retired: await retireVersions(svc, (await loadChange(svc, i.changeId)).target) }));

export const handler = lazy(() => makeHandler(awsServices()));
