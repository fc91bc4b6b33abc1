import { ProposeChangeRequest } from '../../core/change-request';
import { proposeChange } from '../../core/use-cases/propose-change';
import type { Services } from '../../core/use-cases/services';
import { awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { callerOf, json } from '../http/middleware';

/** POST /changes → 201 `{changeId, target, version, status}`; 400 with field errors; 404 target; 409 version exists. */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, ProposeChangeRequest, async (event) => {
    const change = await proposeChange(svc, callerOf(event), event.body);
    return json(201, { changeId: change.changeId, target: change.target, version: change.version, status: change.status, executionArn: change.executionArn });
  });

export const handler = lazy(() => makeHandler(awsServices()));
