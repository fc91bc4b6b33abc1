import { z } from 'zod';
import { NotFoundError } from '../../core/errors';
import type { Services } from '../../core/use-cases/services';
import { awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { callerOf, json } from '../http/middleware';
import { pathParams, TargetPath } from '../http/path-params';

/**
 * POST /targets/{target}/invoke (any JSON event) → 200 `{executedVersion, ok, payload}`: one request
 * to the target's alias, split by its weights — live traffic for a canary, e.g. from the demo. 400 not a
 * target name, or an event nested deeper than MAX_JSON_DEPTH; 404 not registered.
 */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, z.unknown(), async (event) => {
    callerOf(event);
    const { target: name } = pathParams(event, TargetPath);
    const target = await svc.store.getTarget(name);
    if (!target) throw new NotFoundError(`target ${name} is not registered`);
    return json(200, await svc.functions.invoke(target.functionName, target.alias, event.body));
  });

export const handler = lazy(() => makeHandler(awsServices()));
