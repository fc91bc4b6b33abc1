import type { InstallResult, SuiteResult } from './change';

/** The test build as the workflow reports it (CodeBuild's Build.Id, BuildStatus and log link). */
export interface BuildReport {
  readonly buildId: string;
  /** CodeBuild's BuildStatus: SUCCEEDED, FAILED, FAULT, TIMED_OUT, STOPPED. */
  readonly buildStatus: string;
  readonly logs?: string;
}

/** The report the test build writes to `reportUri`: the install (if any), then one result per suite, in order. */
export interface TestReport {
  readonly install?: InstallResult;
  readonly suites: readonly SuiteResult[];
}

/**
 * What a test build that did not succeed means for its change. Only failing suites are a verdict
 * on the change (`tests_failed`); a build that ended without one — CodeBuild's FAULT, STOPPED, a
 * timeout before the report, a failed download or dependency install — says nothing about the
 * change, so the change ends `failed`, with the reason.
 */
export type FailedBuildVerdict =
  | { readonly status: 'tests_failed'; readonly reason: string; readonly failedSuites: readonly string[] }
  | { readonly status: 'failed'; readonly reason: string };

/**
 * Judges a test build that did not succeed by its per-suite report (absent when the build ended
 * before writing it).
 */
export function judgeFailedBuild(build: BuildReport, report: TestReport | undefined): FailedBuildVerdict {
  const of = `(build ${build.buildId})`;
  const failedSuites = report?.suites.filter((s) => !s.passed).map((s) => s.suite) ?? [];
  if (failedSuites.length > 0) return { status: 'tests_failed', reason: `test suite(s) failed: ${failedSuites.join(', ')} ${of}`, failedSuites };
  const status = build.buildStatus.toUpperCase();
  if (report?.install && !report.install.passed) {
    return { status: 'failed', reason: `the test build could not install the service's dependencies (${report.install.command}) ${of}` };
  }
  const why: Record<string, string> = {
    FAULT: 'CodeBuild failed the test build (FAULT)',
    STOPPED: 'the test build was stopped',
    TIMED_OUT: 'the test build timed out before its suites finished',
    FAILED: report ? 'the test build failed, and no suite failed' : 'the test build failed before it ran the suites',
  };
  return { status: 'failed', reason: `${why[status] ?? `the test build ended ${status}, and no suite failed`} ${of}` };
}
