import { expireApprovals } from '../../core/use-cases/expire-approvals';
import { reconcile } from '../../core/use-cases/reconcile';
import type { Services } from '../../core/use-cases/services';
import { codeDeployDeployments } from '../aws/codedeploy';
import { lambdaFunctions } from '../aws/lambda';
import { stepFunctionsWorkflow } from '../aws/step-functions';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';

/**
 * EventBridge schedule (every 5 minutes): expires approvals past the policy's timeout, then
 * reconciles the effects with the records (aliases, undelivered decisions, woken canaries). What it
 * could not put right is logged and tried again on the next run.
 */
export const makeHandler = (svc: Services) => async () => {
  const expired = await expireApprovals(svc);
  const reconciled = await reconcile(svc);
  if (reconciled.failures.length > 0) console.error(JSON.stringify({ level: 'ERROR', message: 'reconciliation incomplete', failures: reconciled.failures }));
  return { expired, ...reconciled };
};

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { codeDeploy: codeDeployDeployments, functions: lambdaFunctions, workflow: stepFunctionsWorkflow };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
