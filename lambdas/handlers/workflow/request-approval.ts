import { requestApproval } from '../../core/use-cases/request-approval';
import type { Services } from '../../core/use-cases/services';
import { s3DeploymentConfig } from '../aws/s3';
import { secretsManagerLinkKeys } from '../aws/secrets-manager';
import { snsNotifier } from '../aws/sns';
import { stepFunctionsWorkflow } from '../aws/step-functions';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { ChangeRef } from './schemas';
import { taskHandler } from './task-handler';

/** RequestApproval (waitForTaskToken): keeps the token, e-mails each approver a signed link. */
export const makeHandler = (svc: Services) =>
  taskHandler(svc, ChangeRef.extend({ taskToken: ChangeRef.shape.changeId }), (i, svc) => requestApproval(svc, i.changeId, i.taskToken));

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { config: s3DeploymentConfig, linkKeys: secretsManagerLinkKeys, notifier: snsNotifier, workflow: stepFunctionsWorkflow };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
