import * as z from 'zod';
import { NotFoundError } from '../../core/errors';
import type { Services } from '../../core/use-cases/services';
import { lambdaFunctions } from '../aws/lambda';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { callerOf, json, requireRole } from '../http/middleware';
import { pathParams, TargetPath } from '../http/path-params';

/**
 * Response headers that tell the local API server's access log which function version ran the
 * request and whether it failed (Lambda's Invoke answers `X-Amz-Executed-Version` and
 * `X-Amz-Function-Error` the same way).
 */
export const EXECUTED_VERSION_HEADER = 'x-cmv-executed-version';
export const OUTCOME_HEADER = 'x-cmv-outcome';

/**
 * POST /targets/{target}/invoke (any JSON event) → 200 `{executedVersion, ok, payload}`: one request
 * to the target's alias, split by its weights. Local only (see routes.ts): it stands in for the
 * target's own callers — live traffic for a canary, e.g. from the demo — so only requesters and
 * release admins may send it; an auditor's or an approver's requests would count in the canary's
 * metrics. 403 for any other caller (before the target is read); 400 not a target name, or an event
 * nested deeper than MAX_JSON_DEPTH; 404 for an unknown target.
 */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, z.unknown(), async (event) => {
    requireRole(callerOf(event), 'requester', 'release_admin');
    const { target: name } = pathParams(event, TargetPath);
    const target = await svc.store.getTarget(name);
    if (!target) throw new NotFoundError(`target ${name} is not registered`);
    const invocation = await svc.functions.invoke(target.functionName, target.alias, event.body);
    const response = json(200, invocation);
    return {
      ...response,
      headers: { ...response.headers, [EXECUTED_VERSION_HEADER]: invocation.executedVersion, [OUTCOME_HEADER]: invocation.ok ? 'ok' : 'function_error' },
    };
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { functions: lambdaFunctions };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
