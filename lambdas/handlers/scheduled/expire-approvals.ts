import { expireApprovals } from '../../core/use-cases/expire-approvals';
import type { Services } from '../../core/use-cases/services';
import { awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';

/** EventBridge schedule (every 5 minutes): expires approvals past the policy's timeout. */
export const makeHandler = (svc: Services) => async () => ({ expired: await expireApprovals(svc) });

export const handler = lazy(() => makeHandler(awsServices()));
