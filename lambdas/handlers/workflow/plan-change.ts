import { signChangeBundle } from '../../core/use-cases/bundles';
import { startTests } from '../../core/use-cases/run-tests';
import type { Services } from '../../core/use-cases/services';
import { kmsBundleSigner } from '../aws/kms';
import { s3Artifacts } from '../aws/s3';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { ChangeRef } from './schemas';
import { taskHandler } from './task-handler';

/** PlanChange: signs the change's bundle, then submitted → testing; returns the artifact URI and the test command. */
export const makeHandler = (svc: Services) =>
  taskHandler(svc, ChangeRef, async (i, svc) => {
    await signChangeBundle(svc, i.changeId);
    return startTests(svc, i.changeId);
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { artifacts: s3Artifacts, bundleSigner: kmsBundleSigner };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
