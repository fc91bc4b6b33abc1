import { startDeployment } from '../../core/use-cases/deploy';
import type { Services } from '../../core/use-cases/services';
import { cloudWatchAlarms } from '../aws/cloudwatch';
import { kmsBundleSigner } from '../aws/kms';
import { lambdaFunctions } from '../aws/lambda';
import { s3Artifacts } from '../aws/s3';
import { signerCodeSigner } from '../aws/signer';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { ChangeRef } from './schemas';
import { taskHandler } from './task-handler';

/** StartDeployment: signs the version's code (AWS Signer), publishes it, arms its alarm, locks the target; returns the DeploymentState. */
export const makeHandler = (svc: Services) => taskHandler(svc, ChangeRef, (i, svc) => startDeployment(svc, i.changeId));

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = {
  artifacts: s3Artifacts,
  functions: lambdaFunctions,
  alarms: cloudWatchAlarms,
  bundleSigner: kmsBundleSigner,
  codeSigner: signerCodeSigner,
};

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
