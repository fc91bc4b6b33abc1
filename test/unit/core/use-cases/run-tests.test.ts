import { createHash } from 'node:crypto';
import type { Change, SuiteResult, TestResult } from '../../../../lambdas/core/change';
import { NotFoundError } from '../../../../lambdas/core/errors';
import type { TestReport } from '../../../../lambdas/core/test-build';
import { deferTests, recordDeferredTests, recordTestResult, startTests } from '../../../../lambdas/core/use-cases/run-tests';
import { fakeServices, MemoryChangeStore } from '../../../fixtures/fakes';
import { aChange, aDeployment, aTarget, aVersion, TARGET } from '../../../fixtures/records';

const REPORT_URI = 'mem://reports/chg-1/tests.json';
const suite = (name: string, passed = true): SuiteResult => ({
  suite: name,
  command: `npm run ${name}`,
  passed,
  durationMs: 1200,
  output: passed ? 'ok' : '1 failing',
});
const SUCCEEDED = { buildId: 'cmv-tests:b-1', buildStatus: 'SUCCEEDED', logs: 'https://logs.example.org/b-1' };
const FAILED = { buildId: 'cmv-tests:b-1', buildStatus: 'FAILED' };
const EARLIER_TESTS: TestResult = { passed: true, buildId: 'cmv-tests:b-0', buildStatus: 'SUCCEEDED', at: '2026-03-02T09:00:00.000Z' };

/**
 * chg-1 (low risk unless `kind` says otherwise, `over` applied) with its target and its version
 * 1.1.0 not yet tested, on the fakes; `report` is what the test build wrote, as bytes or JSON.
 */
function arrange(over: Partial<Change> = {}, kind: Parameters<typeof aChange>[1] = {}, report?: TestReport | string) {
  const store = new MemoryChangeStore().seed({
    changes: [aChange({ status: 'testing', revision: 2, ...over }, kind)],
    targets: [aTarget()],
    versions: [aVersion('1.1.0', 2, { changeId: 'chg-1', testsPassed: false, revision: 1 })],
  });
  const fakes = fakeServices({ fakes: { store } });
  if (report !== undefined) fakes.artifacts.objects.set(REPORT_URI, bytesOf(report));
  return fakes;
}

const bytesOf = (report: TestReport | string) => new TextEncoder().encode(typeof report === 'string' ? report : JSON.stringify(report));
const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('startTests()', () => {
  it('moves a submitted change to testing with a TestsStarted entry, and returns what the build runs: the artifact, each suite with its command, where to report', async () => {
    // Arrange
    const { svc, store } = arrange({ status: 'submitted' });

    // Act
    const plan = await startTests(svc, 'chg-1');

    // Assert
    expect(plan).toEqual({
      artifactUri: 'mem://artifacts/1.1.0.zip',
      suites: JSON.stringify([
        { suite: 'lint', command: 'npm run lint' },
        { suite: 'unit', command: 'npm test' },
      ]),
      reportUri: REPORT_URI,
      testsAfterDeploy: false,
      testsRequired: true,
    });
    expect(store.changes.get('chg-1')).toMatchObject({ status: 'testing', revision: 3 });
    expect(store.entries).toMatchObject([
      {
        type: 'TestsStarted',
        actor: 'cmv-workflow',
        details: { artifactSha256: aVersion('1.1.0', 2).artifact.sha256, suites: ['lint', 'unit'], afterDeploy: false },
      },
    ]);
  });

  it('gives a suite the target has no command for one that fails, so the build cannot pass without it', async () => {
    // Arrange: high risk needs a regression suite; the target names none.
    const { svc } = arrange({ status: 'submitted' }, { riskLevel: 'high' });

    // Act
    const plan = await startTests(svc, 'chg-1');

    // Assert
    expect(JSON.parse(plan.suites)).toContainEqual({ suite: 'regression', command: 'echo "no command for this suite" && false' });
  });

  it('returns the same plan and records nothing when retried after the change moved on', async () => {
    const { svc, store } = arrange({ status: 'submitted' });
    const first = await startTests(svc, 'chg-1');

    const again = await startTests(svc, 'chg-1');

    expect(again).toEqual(first);
    expect(store.entries.map((e) => e.type)).toEqual(['TestsStarted']);
  });

  it('records TestsStarted once, on the change as a concurrent writer left it, when the change moved between the read and the write', async () => {
    // Arrange: another write bumps the revision (and the description) just before the commit.
    const { svc, store } = arrange({ status: 'submitted' });
    store.interleave(() => store.seed({ changes: [aChange({ status: 'submitted', revision: 3, description: 'edited meanwhile' })] }));

    // Act
    await startTests(svc, 'chg-1');

    // Assert
    expect(store.changes.get('chg-1')).toMatchObject({ status: 'testing', revision: 4, description: 'edited meanwhile' });
    expect(store.entries.map((e) => e.type)).toEqual(['TestsStarted']);
  });

  it('rejects a change that does not exist, writing nothing', async () => {
    const { svc, store } = arrange();

    await expect(startTests(svc, 'chg-9')).rejects.toThrow(new NotFoundError('change chg-9 does not exist'));
    expect(store.entries).toEqual([]);
  });

  it('rejects a change whose target is not registered', async () => {
    const { svc, store } = arrange({ status: 'submitted' });
    store.targets.clear();

    await expect(startTests(svc, 'chg-1')).rejects.toThrow(new NotFoundError(`target ${TARGET} is not registered`));
  });
});

describe('recordTestResult()', () => {
  it('records TestsPassed with the report and its evidence, marks the version tested, and leaves the change testing', async () => {
    // Arrange
    const report: TestReport = { suites: [suite('lint'), suite('unit')] };
    const { svc, store, clock } = arrange({}, {}, report);

    // Act
    const outcome = await recordTestResult(svc, 'chg-1', SUCCEEDED);

    // Assert
    expect(outcome).toEqual({ passed: true, status: 'testing' });
    expect(store.changes.get('chg-1')?.tests).toEqual({
      passed: true,
      buildId: 'cmv-tests:b-1',
      buildStatus: 'SUCCEEDED',
      logs: 'https://logs.example.org/b-1',
      suites: report.suites,
      reportUri: REPORT_URI,
      at: clock.now().toISOString(),
    });
    expect(await store.getVersion(TARGET, '1.1.0')).toMatchObject({ testsPassed: true, revision: 2 });
    expect(store.entries).toMatchObject([
      {
        type: 'TestsPassed',
        details: {
          buildId: 'cmv-tests:b-1',
          buildStatus: 'SUCCEEDED',
          suites: [
            { suite: 'lint', passed: true },
            { suite: 'unit', passed: true },
          ],
          suitesRun: 2,
          suitesPassed: 2,
          suitesFailed: 0,
          failedSuites: [],
          report: { uri: REPORT_URI, sha256: sha256Hex(bytesOf(report)) },
        },
      },
    ]);
  });

  it('keeps the install of the dependencies with the result and in the entry', async () => {
    const install = { command: 'npm ci', passed: true, durationMs: 9000, output: 'added 312 packages' };
    const { svc, store } = arrange({}, {}, { install, suites: [suite('lint'), suite('unit')] });

    await recordTestResult(svc, 'chg-1', SUCCEEDED);

    expect(store.changes.get('chg-1')?.tests?.install).toEqual(install);
    expect(store.entries[0].details.install).toEqual({ command: 'npm ci', passed: true });
  });

  it('ends the change tests_failed with TestsFailed naming the failing suites, leaving the version untested', async () => {
    // Arrange
    const { svc, store } = arrange({}, {}, { suites: [suite('lint'), suite('unit', false)] });

    // Act
    const outcome = await recordTestResult(svc, 'chg-1', FAILED);

    // Assert
    const reason = 'test suite(s) failed: unit (build cmv-tests:b-1)';
    expect(outcome).toEqual({ passed: false, status: 'tests_failed' });
    expect(store.changes.get('chg-1')).toMatchObject({ status: 'tests_failed', reason, tests: { passed: false, buildStatus: 'FAILED' } });
    expect(store.entries).toMatchObject([{ type: 'TestsFailed', details: { reason, suitesFailed: 1, failedSuites: ['unit'] } }]);
    expect(await store.getVersion(TARGET, '1.1.0')).toMatchObject({ testsPassed: false, revision: 1 });
  });

  it('ends the change failed with ChangeFailed when the build ended without a report (FAULT): no verdict on the change', async () => {
    // Arrange: no report stored
    const { svc, store } = arrange();

    // Act
    const outcome = await recordTestResult(svc, 'chg-1', { buildId: 'cmv-tests:b-1', buildStatus: 'FAULT' });

    // Assert
    const reason = 'CodeBuild failed the test build (FAULT) (build cmv-tests:b-1)';
    expect(outcome).toEqual({ passed: false, status: 'failed' });
    expect(store.changes.get('chg-1')).toMatchObject({ status: 'failed', reason });
    expect(store.changes.get('chg-1')?.tests).not.toHaveProperty('reportUri');
    expect(store.entries).toHaveLength(1);
    expect(store.entries[0]).toMatchObject({ type: 'ChangeFailed', details: { reason, suitesRun: 0 } });
    expect(store.entries[0].details).not.toHaveProperty('report');
  });

  it('records the SHA-256 of a report that is not JSON, and judges the build as one that ran no suite', async () => {
    const { svc, store } = arrange({}, {}, 'Killed');

    await recordTestResult(svc, 'chg-1', FAILED);

    expect(store.entries).toMatchObject([
      {
        type: 'ChangeFailed',
        details: {
          reason: 'the test build failed before it ran the suites (build cmv-tests:b-1)',
          report: { uri: REPORT_URI, sha256: sha256Hex(bytesOf('Killed')) },
        },
      },
    ]);
  });

  it('records nothing when retried after the result was recorded', async () => {
    const { svc, store } = arrange({}, {}, { suites: [suite('lint'), suite('unit')] });
    await recordTestResult(svc, 'chg-1', SUCCEEDED);

    const again = await recordTestResult(svc, 'chg-1', SUCCEEDED);

    expect(again).toEqual({ passed: true, status: 'testing' });
    expect(store.entries.map((e) => e.type)).toEqual(['TestsPassed']);
    expect(await store.getVersion(TARGET, '1.1.0')).toMatchObject({ revision: 2 });
  });

  it('records nothing for a change no longer testing', async () => {
    const { svc, store } = arrange({ status: 'failed' });

    expect(await recordTestResult(svc, 'chg-1', SUCCEEDED)).toEqual({ passed: true, status: 'failed' });
    expect(store.entries).toEqual([]);
  });

  it('records nothing when a concurrent run recorded the result between the read and the write', async () => {
    // Arrange: the same step, run twice, committed first elsewhere.
    const { svc, store } = arrange({}, {}, { suites: [suite('lint'), suite('unit')] });
    store.interleave(() => store.seed({ changes: [aChange({ status: 'testing', revision: 3, tests: EARLIER_TESTS })] }));

    // Act
    await recordTestResult(svc, 'chg-1', SUCCEEDED);

    // Assert
    expect(store.entries).toEqual([]);
    expect(store.changes.get('chg-1')?.tests).toEqual(EARLIER_TESTS);
  });

  it('marks the version tested on its record as a concurrent writer left it, when the version moved between the read and the write', async () => {
    // Arrange: the version record is written by someone else just before the commit.
    const { svc, store } = arrange({}, {}, { suites: [suite('lint'), suite('unit')] });
    store.interleave(() => store.seed({ versions: [aVersion('1.1.0', 2, { changeId: 'chg-1', testsPassed: false, revision: 2, config: { RATE: '3' } })] }));

    // Act
    await recordTestResult(svc, 'chg-1', SUCCEEDED);

    // Assert
    expect(await store.getVersion(TARGET, '1.1.0')).toMatchObject({ testsPassed: true, revision: 3, config: { RATE: '3' } });
    expect(store.entries.map((e) => e.type)).toEqual(['TestsPassed']);
  });

  it('rejects a passed build whose version does not exist, writing nothing', async () => {
    const { svc, store } = arrange({}, {}, { suites: [suite('lint'), suite('unit')] });
    store.versions.clear();

    await expect(recordTestResult(svc, 'chg-1', SUCCEEDED)).rejects.toThrow(new NotFoundError(`version 1.1.0 of ${TARGET} does not exist`));
    expect(store.entries).toEqual([]);
    expect(store.changes.get('chg-1')?.tests).toBeUndefined();
  });
});

describe('deferTests()', () => {
  it('records TestsDeferred for an emergency change, with the suites and the rule, leaving it testing', async () => {
    // Arrange
    const { svc, store, clock } = arrange({}, { changeType: 'emergency' });

    // Act
    await deferTests(svc, 'chg-1');

    // Assert
    expect(store.changes.get('chg-1')).toMatchObject({ status: 'testing', revision: 3, testsDeferredAt: clock.now().toISOString() });
    expect(store.entries).toMatchObject([{ type: 'TestsDeferred', actor: 'cmv-workflow', details: { suites: ['unit', 'security'], rule: 'emergency' } }]);
  });

  it('records nothing when retried after the deferral was recorded', async () => {
    // Arrange: the deferral committed, then the invocation failed on Lambda's side and the ASL retries DeferTests.
    const { svc, store } = arrange({}, { changeType: 'emergency' });
    await deferTests(svc, 'chg-1');

    await deferTests(svc, 'chg-1');

    expect(store.entries.map((e) => e.type)).toEqual(['TestsDeferred']);
  });

  it.each([
    ['whose policy does not defer its tests', {}, {}],
    ['whose approval was already requested', { approvalRequestedAt: '2026-03-02T09:00:00.000Z' }, { changeType: 'emergency' as const }],
    ['no longer testing', { status: 'awaiting_approval' as const }, { changeType: 'emergency' as const }],
  ])('records nothing for a change %s', async (_what, over, kind) => {
    const { svc, store } = arrange(over, kind);

    await deferTests(svc, 'chg-1');

    expect(store.entries).toEqual([]);
  });
});

describe('recordDeferredTests()', () => {
  /** An emergency change deploying 1.1.0, its tests deferred. */
  const deployingEmergency = (report?: TestReport) =>
    arrange({ status: 'deploying', revision: 6, deployment: aDeployment({ currentWeight: 100 }) }, { changeType: 'emergency' }, report);

  it('records DeferredTestsPassed with the report, and marks the version tested', async () => {
    // Arrange
    const report: TestReport = { suites: [suite('unit'), suite('security')] };
    const { svc, store } = deployingEmergency(report);

    // Act
    await recordDeferredTests(svc, 'chg-1', SUCCEEDED);

    // Assert
    expect(store.changes.get('chg-1')).toMatchObject({
      status: 'deploying',
      tests: { passed: true, buildId: 'cmv-tests:b-1', suites: report.suites, reportUri: REPORT_URI },
    });
    expect(await store.getVersion(TARGET, '1.1.0')).toMatchObject({ testsPassed: true, revision: 2 });
    expect(store.entries).toMatchObject([
      {
        type: 'DeferredTestsPassed',
        details: {
          buildId: 'cmv-tests:b-1',
          suites: [
            { suite: 'unit', passed: true },
            { suite: 'security', passed: true },
          ],
          suitesRun: 2,
          report: { uri: REPORT_URI, sha256: sha256Hex(bytesOf(report)) },
        },
      },
    ]);
  });

  it('records nothing when retried after the result was recorded', async () => {
    const { svc, store } = deployingEmergency({ suites: [suite('unit')] });
    await recordDeferredTests(svc, 'chg-1', SUCCEEDED);

    await recordDeferredTests(svc, 'chg-1', SUCCEEDED);

    expect(store.entries.map((e) => e.type)).toEqual(['DeferredTestsPassed']);
  });

  it('records nothing for a change no longer deploying (rolled back meanwhile)', async () => {
    const { svc, store } = arrange({ status: 'rolled_back' }, { changeType: 'emergency' });

    await recordDeferredTests(svc, 'chg-1', SUCCEEDED);

    expect(store.entries).toEqual([]);
  });

  it('rejects a change whose version does not exist, writing nothing', async () => {
    const { svc, store } = deployingEmergency();
    store.versions.clear();

    await expect(recordDeferredTests(svc, 'chg-1', SUCCEEDED)).rejects.toThrow(new NotFoundError(`version 1.1.0 of ${TARGET} does not exist`));
    expect(store.entries).toEqual([]);
  });
});
