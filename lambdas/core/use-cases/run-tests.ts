import { strFromU8 } from 'fflate';
import type { ChangeStatus, TestResult } from '../change';
import { NotFoundError } from '../errors';
import { type BuildReport, judgeFailedBuild, type TestEvidence, type TestReport, testEvidence } from '../test-build';
import { recordChange } from './record-change';
import { type Services, WORKFLOW_ACTOR } from './services';

/** What the test build needs: the artifact, the suites to run in order, where to put the report. */
export interface TestPlan {
  readonly artifactUri: string;
  /** JSON `[{suite, command}]`: CodeBuild environment variables are strings. */
  readonly suites: string;
  readonly reportUri: string;
  /** Emergency: tests run after the deployment, not now. */
  readonly testsAfterDeploy: boolean;
  /** False when the policy rule requires no suites: the workflow records that and runs no build. */
  readonly testsRequired: boolean;
}

/**
 * First workflow step: moves the change to `testing` and returns what the test build runs: the
 * suites its policy plan requires, with the target's command for each.
 * Idempotent: a retry after the change moved on returns the same plan without a new ledger entry.
 */
export async function startTests(svc: Services, changeId: string): Promise<TestPlan> {
  const change = await recordChange(svc, changeId, WORKFLOW_ACTOR, (c) =>
    c.status === 'submitted'
      ? { event: 'TestsStarted', details: { artifactSha256: c.artifact.sha256, suites: c.plan.tests, afterDeploy: c.plan.testsAfterDeploy } }
      : undefined,
  );
  const target = await svc.store.getTarget(change.target);
  if (!target) throw new NotFoundError(`target ${change.target} is not registered`);
  const suites = change.plan.tests.map((suite) => ({ suite, command: target.testSuites[suite] ?? 'echo "no command for this suite" && false' }));
  return {
    artifactUri: change.artifact.uri,
    suites: JSON.stringify(suites),
    reportUri: svc.artifacts.uriFor(`reports/${changeId}/tests.json`),
    testsAfterDeploy: change.plan.testsAfterDeploy,
    testsRequired: change.plan.tests.length > 0,
  };
}

/**
 * A change whose policy rule requires no test suites (e.g. documentation): records `TestsNotRequired`
 * naming the rule, and marks the version as having passed the tests it needed (none), which
 * activate requires. A retry finding it recorded (`tests`) records nothing.
 */
export async function recordNoTestsRequired(svc: Services, changeId: string): Promise<void> {
  await recordChange(svc, changeId, WORKFLOW_ACTOR, async (c) => {
    if (c.status !== 'testing' || c.tests || c.plan.tests.length > 0) return undefined;
    const version = await svc.store.getVersion(c.target, c.version);
    if (!version) throw new NotFoundError(`version ${c.version} of ${c.target} does not exist`);
    const reason = `no tests required by rule ${c.plan.policy.ruleId}`;
    const tests: TestResult = { passed: true, buildId: 'none', buildStatus: 'NOT_REQUIRED', suites: [], logs: reason, at: svc.now().toISOString() };
    return {
      event: 'TestsNotRequired',
      patch: { tests },
      details: { rule: c.plan.policy.ruleId, reason, category: c.plan.category?.name },
      writes: [{ kind: 'version', record: { ...version, testsPassed: true }, expectedRevision: version.revision }],
    };
  });
}

/**
 * Reads the per-suite report the build wrote, and what the ledger records of it (testEvidence: counts
 * and the SHA-256 of the bytes read); no report when there is none (the build failed before it).
 */
async function readReport(svc: Services, uri: string): Promise<{ report?: TestReport; evidence: TestEvidence }> {
  let bytes: Uint8Array;
  try {
    bytes = await svc.artifacts.read(uri);
  } catch {
    return { evidence: testEvidence(undefined, undefined) };
  }
  let report: TestReport | undefined;
  try {
    report = JSON.parse(strFromU8(bytes)) as TestReport;
  } catch {
    report = undefined;
  }
  return { report, evidence: testEvidence(report, { uri, bytes }) };
}

/**
 * Records the test result. Passed: the version is marked as having passed its tests (what
 * activate requires); the change stays `testing` until the approval wait is set up. Not passed:
 * judged by its report (judgeFailedBuild): failing suites end the change `tests_failed`; a build
 * that ended without one (FAULT, STOPPED, before its suites ran) ends it `failed`, with the reason.
 * A retry finding the result recorded records nothing.
 * @returns whether the tests passed, and the change's status afterwards (the workflow's next state reads it)
 */
export async function recordTestResult(svc: Services, changeId: string, build: BuildReport): Promise<{ passed: boolean; status: ChangeStatus }> {
  const passed = build.buildStatus === 'SUCCEEDED';
  const after = await recordChange(svc, changeId, WORKFLOW_ACTOR, async (c) => {
    if (c.status !== 'testing' || c.tests) return undefined;
    const reportUri = svc.artifacts.uriFor(`reports/${changeId}/tests.json`);
    const { report, evidence } = await readReport(svc, reportUri);
    const tests: TestResult = {
      passed,
      buildId: build.buildId,
      buildStatus: build.buildStatus,
      ...(build.logs ? { logs: build.logs } : {}),
      ...(report?.install ? { install: report.install } : {}),
      ...(report ? { suites: report.suites, reportUri } : {}),
      at: svc.now().toISOString(),
    };
    const details = {
      buildId: build.buildId,
      buildStatus: build.buildStatus,
      logs: build.logs,
      suites: report?.suites.map((r) => ({ suite: r.suite, passed: r.passed })),
      ...(report?.install ? { install: { command: report.install.command, passed: report.install.passed } } : {}),
      ...evidence,
    };
    if (!passed) {
      const verdict = judgeFailedBuild(build, report);
      return {
        event: verdict.status === 'tests_failed' ? 'TestsFailed' : 'ChangeFailed',
        patch: { tests, reason: verdict.reason },
        details: { ...details, reason: verdict.reason },
      };
    }
    const version = await svc.store.getVersion(c.target, c.version);
    if (!version) throw new NotFoundError(`version ${c.version} of ${c.target} does not exist`);
    return {
      event: 'TestsPassed',
      patch: { tests },
      details,
      writes: [{ kind: 'version', record: { ...version, testsPassed: true }, expectedRevision: version.revision }],
    };
  });
  return { passed, status: after.status };
}

/**
 * Emergency: records that the tests are deferred until after the deployment (the policy allows it).
 * A retry finding the deferral recorded (`testsDeferredAt`) records nothing.
 */
export async function deferTests(svc: Services, changeId: string): Promise<void> {
  await recordChange(svc, changeId, WORKFLOW_ACTOR, (c) =>
    c.status !== 'testing' || !c.plan.testsAfterDeploy || c.approvalRequestedAt || c.testsDeferredAt
      ? undefined
      : { event: 'TestsDeferred', patch: { testsDeferredAt: svc.now().toISOString() }, details: { suites: c.plan.tests, rule: c.plan.policy.ruleId } },
  );
}

/**
 * Emergency: records the tests that ran after the deployment reached 100 %. Passing marks the
 * version as tested (what activate requires); a failure never gets here — the workflow rolls back.
 */
export async function recordDeferredTests(svc: Services, changeId: string, build: BuildReport): Promise<void> {
  await recordChange(svc, changeId, WORKFLOW_ACTOR, async (c) => {
    if (c.status !== 'deploying' || c.tests) return undefined;
    const reportUri = svc.artifacts.uriFor(`reports/${changeId}/tests.json`);
    const { report, evidence } = await readReport(svc, reportUri);
    const tests: TestResult = {
      passed: true,
      buildId: build.buildId,
      buildStatus: build.buildStatus,
      ...(build.logs ? { logs: build.logs } : {}),
      ...(report ? { suites: report.suites, reportUri } : {}),
      at: svc.now().toISOString(),
    };
    const version = await svc.store.getVersion(c.target, c.version);
    if (!version) throw new NotFoundError(`version ${c.version} of ${c.target} does not exist`);
    return {
      event: 'DeferredTestsPassed',
      patch: { tests },
      details: { buildId: build.buildId, suites: report?.suites.map((r) => ({ suite: r.suite, passed: r.passed })), ...evidence },
      writes: [{ kind: 'version', record: { ...version, testsPassed: true }, expectedRevision: version.revision }],
    };
  });
}
