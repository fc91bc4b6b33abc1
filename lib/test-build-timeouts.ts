/**
 * How long a change's test build may wait and run: one source for the CodeBuild project
 * (ChangeTestProject), the check of the workflow's RunTests timeout (CmvWorkflow) and the local
 * CodeBuild. The ASL's `RunTests` / `RunDeferredTests` `TimeoutSeconds` must exceed queue + build
 * by at least TEST_TASK_MARGIN_MINUTES, or the workflow would give up on a build CodeBuild still runs.
 */
export const TEST_BUILD_TIMEOUTS = {
  /** CodeBuild's queuedTimeout: longest a build waits for capacity before CodeBuild gives up on it. */
  queuedMinutes: 60,
  /** CodeBuild's build timeout: longest the install and the suites may run. */
  buildMinutes: 20,
} as const;

/** Time for Step Functions to learn that the build ended (CodeBuild's state-change event) after its timeouts. */
export const TEST_TASK_MARGIN_MINUTES = 5;
