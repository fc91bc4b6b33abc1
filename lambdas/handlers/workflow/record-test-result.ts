import * as z from 'zod';
import { recordFailure } from '../../core/use-cases/deploy';
import { deferTests, recordDeferredTests, recordNoTestsRequired, recordTestResult } from '../../core/use-cases/run-tests';
import type { Services } from '../../core/use-cases/services';
import { s3Artifacts } from '../aws/s3';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { CaughtError, ChangeRef, describeError } from './schemas';
import { taskHandler } from './task-handler';

const Build = z.object({ buildId: z.string(), buildStatus: z.string(), logs: z.string().optional() });
const Input = z.union([
  ChangeRef.extend({ build: Build }),
  ChangeRef.extend({ failure: CaughtError }),
  ChangeRef.extend({ deferred: z.literal(true) }),
  ChangeRef.extend({ notRequired: z.literal(true) }),
  ChangeRef.extend({ afterDeploy: Build }),
]);

/**
 * The Build of a failed startBuild.sync task, from its States.TaskFailed cause: CodeBuild's Build
 * as JSON (`{Build: {...}}` or the Build itself); undefined when the cause is not a build.
 */
function buildOfFailure(failure: z.infer<typeof CaughtError>) {
  try {
    const parsed = JSON.parse(failure.Cause ?? '') as BuildJson & { Build?: BuildJson };
    const build = parsed.Build ?? parsed;
    if (!build.BuildStatus) return undefined;
    return { buildId: build.Id ?? 'unknown', buildStatus: build.BuildStatus, logs: build.Logs?.DeepLink };
  } catch {
    return undefined;
  }
}
type BuildJson = { Id?: string; BuildStatus?: string; Logs?: { DeepLink?: string } };

/**
 * RecordTestsPassed / RecordTestsFailed: records the build and moves the change on; returns
 * `{passed, status}`, whose `status` (`tests_failed` or `failed`) picks the workflow's end.
 * A failure that carries no Build ends the change `failed`, with the error as its reason.
 * DeferTests / RecordDeferredTests: an emergency change's tests, deferred until after the deployment.
 * RecordNoTestsRequired: the policy rule requires no suites.
 */
export const makeHandler = (svc: Services) =>
  taskHandler(svc, Input, async (i, svc) => {
    if ('deferred' in i) return deferTests(svc, i.changeId);
    if ('notRequired' in i) return recordNoTestsRequired(svc, i.changeId);
    if ('afterDeploy' in i) return recordDeferredTests(svc, i.changeId, i.afterDeploy);
    if ('build' in i) return recordTestResult(svc, i.changeId, i.build);
    const build = buildOfFailure(i.failure);
    if (build) return recordTestResult(svc, i.changeId, build);
    await recordFailure(svc, i.changeId, 'failed', describeError(i.failure));
    return { passed: false, status: 'failed' };
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { artifacts: s3Artifacts };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
