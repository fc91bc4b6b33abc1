import { approvalBacklog } from '../../core/use-cases/approval-backlog';
import { expireApprovals } from '../../core/use-cases/expire-approvals';
import { reconcile } from '../../core/use-cases/reconcile';
import type { Services } from '../../core/use-cases/services';
import { codeDeployDeployments } from '../aws/codedeploy';
import { kmsBundleSigner } from '../aws/kms';
import { lambdaFunctions } from '../aws/lambda';
import { s3Artifacts } from '../aws/s3';
import { stepFunctionsWorkflow } from '../aws/step-functions';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { emit, logger, observed } from '../observability';

/**
 * EventBridge schedule (every 5 minutes): expires approvals past the policy's timeout, then
 * reconciles the effects with the records (aliases, undelivered decisions, woken canaries). What it
 * could not put right is logged and tried again on the next run. Then it publishes the approval
 * backlog's age (metric `ApprovalBacklogAgeSeconds`, which an alarm of the stack watches).
 */
export const makeHandler = (svc: Services) =>
  observed(async () => {
    const expired = await expireApprovals(svc);
    const reconciled = await reconcile(svc);
    if (reconciled.failures.length > 0) logger.error('reconciliation incomplete', { failures: reconciled.failures });
    emit([await approvalBacklog(svc)]);
    return { expired, ...reconciled };
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = {
  artifacts: s3Artifacts,
  bundleSigner: kmsBundleSigner,
  codeDeploy: codeDeployDeployments,
  functions: lambdaFunctions,
  workflow: stepFunctionsWorkflow,
};

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
