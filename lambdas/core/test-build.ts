import { createHash } from 'node:crypto';
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

/** What a test result's ledger entry records of its report: counts, the failed suites, and the report's URI and SHA-256 (hex). */
export interface TestEvidence {
  readonly suitesRun: number;
  readonly suitesPassed: number;
  readonly suitesFailed: number;
  readonly failedSuites: readonly string[];
  /** The report the build stored in the artifact store, by URI and the SHA-256 of its bytes: an auditor can fetch it and check it is the one recorded. */
  readonly report?: { readonly uri: string; readonly sha256: string };
}

/**
 * The validation details of a test result: suites run, passed and failed, and the report's SHA-256.
 * @param stored - the report's URI and bytes as read from the artifact store; absent when the build wrote none
 */
export function testEvidence(report: TestReport | undefined, stored: { readonly uri: string; readonly bytes: Uint8Array } | undefined): TestEvidence {
  const suites = report?.suites ?? [];
  const failedSuites = suites.filter((s) => !s.passed).map((s) => s.suite);
  return {
    suitesRun: suites.length,
    suitesPassed: suites.length - failedSuites.length,
    suitesFailed: failedSuites.length,
    failedSuites,
    ...(stored ? { report: { uri: stored.uri, sha256: createHash('sha256').update(stored.bytes).digest('hex') } } : {}),
  };
}
