import { createHash } from 'node:crypto';
import type { SuiteResult } from '../../../lambdas/core/change';
import { judgeFailedBuild, type TestReport, testEvidence } from '../../../lambdas/core/test-build';

const suite = (name: string, passed: boolean): SuiteResult => ({ suite: name, command: `npm run ${name}`, passed, durationMs: 10, output: '' });
const build = (buildStatus: string) => ({ buildId: 'cmv-change-tests:1', buildStatus });

describe('core/test-build', () => {
  describe('judgeFailedBuild()', () => {
    it('finds the tests failed, naming the suites, when a suite failed', () => {
      // Arrange
      const report: TestReport = { suites: [suite('unit', true), suite('regression', false), suite('security', false)] };

      // Act
      const verdict = judgeFailedBuild(build('FAILED'), report);

      // Assert
      expect(verdict).toEqual({
        status: 'tests_failed',
        failedSuites: ['regression', 'security'],
        reason: 'test suite(s) failed: regression, security (build cmv-change-tests:1)',
      });
    });

    it('finds the tests failed when a suite failed, whatever the build ended as', () => {
      // Act / Assert: the build timed out after the report named a failing suite.
      expect(judgeFailedBuild(build('TIMED_OUT'), { suites: [suite('unit', false)] }).status).toBe('tests_failed');
    });

    it.each([
      ['FAULT', undefined, 'CodeBuild failed the test build (FAULT) (build cmv-change-tests:1)'],
      ['STOPPED', undefined, 'the test build was stopped (build cmv-change-tests:1)'],
      ['TIMED_OUT', undefined, 'the test build timed out before its suites finished (build cmv-change-tests:1)'],
      ['FAILED', undefined, 'the test build failed before it ran the suites (build cmv-change-tests:1)'],
      ['FAILED', { suites: [] }, 'the test build failed, and no suite failed (build cmv-change-tests:1)'],
      ['IN_PROGRESS', undefined, 'the test build ended IN_PROGRESS, and no suite failed (build cmv-change-tests:1)'],
    ])('finds the change failed, not its tests, when the build ended %s without a failing suite (report: %j)', (status, report, reason) => {
      // Act / Assert
      expect(judgeFailedBuild(build(status), report)).toEqual({ status: 'failed', reason });
    });

    it('finds the change failed when the service’s dependencies did not install, so no suite ran', () => {
      // Arrange
      const report: TestReport = { install: { command: 'npm ci --no-audit --no-fund', passed: false, durationMs: 900, output: 'npm ERR! 404' }, suites: [] };

      // Act / Assert
      expect(judgeFailedBuild(build('FAILED'), report)).toEqual({
        status: 'failed',
        reason: "the test build could not install the service's dependencies (npm ci --no-audit --no-fund) (build cmv-change-tests:1)",
      });
    });
  });
});

describe('testEvidence()', () => {
  const bytes = new TextEncoder().encode('{"suites":[]}');
  const report = {
    suites: [
      { suite: 'unit', command: 'npm test', passed: true, durationMs: 1200, output: '' },
      { suite: 'contract', command: 'npm run contract', passed: false, durationMs: 800, output: 'boom' },
    ],
  };

  it('counts the suites run, passed and failed, names the failed ones, and records the report by URI and SHA-256 (hex) of its bytes', () => {
    const evidence = testEvidence(report, { uri: 's3://artifacts/reports/chg-1/tests.json', bytes });

    expect(evidence).toEqual({
      suitesRun: 2,
      suitesPassed: 1,
      suitesFailed: 1,
      failedSuites: ['contract'],
      report: { uri: 's3://artifacts/reports/chg-1/tests.json', sha256: createHash('sha256').update(bytes).digest('hex') },
    });
  });

  it('records no counts and no report when the build wrote none', () => {
    expect(testEvidence(undefined, undefined)).toEqual({ suitesRun: 0, suitesPassed: 0, suitesFailed: 0, failedSuites: [] });
  });
});
