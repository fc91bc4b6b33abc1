import type { TestResult } from '../change';
import { NotFoundError } from '../errors';
import { loadChange, recordChange } from './record-change';
import { type Services, WORKFLOW_ACTOR } from './services';

/** What the test build needs: the artifact to test and the command that tests it. */
export interface TestPlan {
  readonly artifactUri: string;
  readonly testCommand: string;
}

/**
 * First workflow step: moves the change to `testing` and returns what the test build runs.
 * Idempotent: a retry after the change moved on returns the same plan without a new ledger entry.
 */
export async function planChange(svc: Services, changeId: string): Promise<TestPlan> {
  const change = await recordChange(svc, changeId, WORKFLOW_ACTOR, (c) =>
    c.status === 'submitted' ? { event: 'TestsStarted', details: { artifactSha256: c.artifact.sha256 } } : undefined,
  );
  const target = await svc.store.getTarget(change.target);
  if (!target) throw new NotFoundError(`target ${change.target} is not registered`);
  return { artifactUri: change.artifact.uri, testCommand: target.testCommand };
}

/** The test build as the workflow reports it (CodeBuild's Build.Id, BuildStatus and log link). */
export interface BuildReport {
  readonly buildId: string;
  readonly buildStatus: string;
  readonly logs?: string;
}

/**
 * Records the test result. Passed: the version is marked as having passed its tests (what
 * activate requires); the change stays `testing` until the approval wait is set up. Failed:
 * `tests_failed`, final. A retry finding the result recorded records nothing.
 */
export async function recordTestResult(svc: Services, changeId: string, build: BuildReport): Promise<{ passed: boolean }> {
  const passed = build.buildStatus === 'SUCCEEDED';
  await recordChange(svc, changeId, WORKFLOW_ACTOR, async (c) => {
    if (c.status !== 'testing' || c.tests) return undefined;
    const tests: TestResult = {
      passed,
      buildId: build.buildId,
      buildStatus: build.buildStatus,
      ...(build.logs ? { logs: build.logs } : {}),
      at: svc.now().toISOString(),
    };
    const details = { buildId: build.buildId, buildStatus: build.buildStatus, logs: build.logs };
    if (!passed) return { event: 'TestsFailed', patch: { tests, reason: `tests ${build.buildStatus.toLowerCase()} (build ${build.buildId})` }, details };
    const version = await svc.store.getVersion(c.target, c.version);
    if (!version) throw new NotFoundError(`version ${c.version} of ${c.target} does not exist`);
    return {
      event: 'TestsPassed',
      patch: { tests },
      details,
      writes: [{ kind: 'version', record: { ...version, testsPassed: true }, expectedRevision: version.revision }],
    };
  });
  return { passed };
}

/** Loads the change's status (for tests and the CLI). */
export async function changeStatus(svc: Services, changeId: string): Promise<string> {
  return (await loadChange(svc, changeId)).status;
}
