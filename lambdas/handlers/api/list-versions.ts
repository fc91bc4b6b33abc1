import { NotFoundError } from '../../core/errors';
import type { Services } from '../../core/use-cases/services';
import { newestFirst } from '../../core/versioning';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { callerOf, json } from '../http/middleware';
import { pathParams, TargetPath } from '../http/path-params';

/** GET /targets/{target}/versions → 200 `{items}` newest first, each with its change's status and whether it is live; 400 not a target name; 404. */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, undefined, async (event) => {
    callerOf(event);
    const { target: name } = pathParams(event, TargetPath);
    const target = await svc.store.getTarget(name);
    if (!target) throw new NotFoundError(`target ${name} is not registered`);
    const versions = await svc.store.listVersions(name);
    const order = newestFirst(versions.map((v) => v.version));
    const items = await Promise.all(
      order.map(async (version) => {
        const v = versions.find((x) => x.version === version);
        const change = v?.changeId ? await svc.store.getChange(v.changeId) : undefined;
        return {
          ...v,
          live: version === target.liveVersion,
          status: version === target.liveVersion ? 'live' : v?.retiredAt ? 'retired' : (change?.status ?? 'registered'),
        };
      }),
    );
    return json(200, { items });
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = {};

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
