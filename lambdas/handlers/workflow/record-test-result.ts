import * as z from 'zod';
import { deferTests, recordDeferredTests, recordTestResult } from '../../core/use-cases/run-tests';
import type { Services } from '../../core/use-cases/services';
import { s3Artifacts } from '../aws/s3';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { CaughtError, ChangeRef } from './schemas';
import { taskHandler } from './task-handler';

const Build = z.object({ buildId: z.string(), buildStatus: z.string(), logs: z.string().optional() });
const Input = z.union([
  ChangeRef.extend({ build: Build }),
  ChangeRef.extend({ failure: CaughtError }),
  ChangeRef.extend({ deferred: z.literal(true) }),
  ChangeRef.extend({ afterDeploy: Build }),
]);

/**
 * The Build of a failed startBuild.sync task, from the States.TaskFailed cause (CodeBuild's Build
 * as JSON); a cause that is not a build still fails the tests, with the error as the status.
 */
function buildOfFailure(failure: z.infer<typeof CaughtError>) {
  try {
    const build = JSON.parse(failure.Cause ?? '') as { Id?: string; BuildStatus?: string; Logs?: { DeepLink?: string } };
    return { buildId: build.Id ?? 'unknown', buildStatus: build.BuildStatus ?? 'FAILED', logs: build.Logs?.DeepLink };
  } catch {
    return { buildId: 'unknown', buildStatus: 'FAILED', logs: failure.Cause?.slice(0, 500) };
  }
}

/**
 * RecordTestsPassed / RecordTestsFailed: records the build and moves the change on.
 * DeferTests / RecordDeferredTests: an emergency change's tests, deferred until after the deployment.
 */
export const makeHandler = (svc: Services) =>
  taskHandler(svc, Input, async (i, svc) => {
    if ('deferred' in i) return deferTests(svc, i.changeId);
    if ('afterDeploy' in i) return recordDeferredTests(svc, i.changeId, i.afterDeploy);
    return recordTestResult(svc, i.changeId, 'build' in i ? i.build : buildOfFailure(i.failure));
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { artifacts: s3Artifacts };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
