import type { SuiteResult } from '../../../lambdas/core/change';
import { judgeFailedBuild, type TestReport } from '../../../lambdas/core/test-build';

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
