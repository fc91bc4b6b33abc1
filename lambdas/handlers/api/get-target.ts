import { NotFoundError } from '../../core/errors';
import type { Services } from '../../core/use-cases/services';
import { onTarget } from '../../core/use-cases/target-services';
import { lambdaFunctions } from '../aws/lambda';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { callerOf, json } from '../http/middleware';
import { pathParams, TargetPath } from '../http/path-params';

/** GET /targets/{target} → 200 the target with its alias routing (version → weight %); 400 not a target name; 404. */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, undefined, async (event) => {
    callerOf(event);
    const { target: name } = pathParams(event, TargetPath);
    const target = await svc.store.getTarget(name);
    if (!target) throw new NotFoundError(`target ${name} is not registered`);
    const alias = await onTarget(svc, target, `read-${target.name}`).functions.getAlias(target.functionName, target.alias);
    const weight = alias.additionalWeight ?? 0;
    const routing: Record<string, number> = { [alias.functionVersion]: Math.round((1 - weight) * 10_000) / 100 };
    if (alias.additionalVersion) routing[alias.additionalVersion] = Math.round(weight * 10_000) / 100;
    return json(200, { ...target, alias: { name: target.alias, ...alias, routingPercent: routing } });
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { functions: lambdaFunctions };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
