/**
 * Why a change was rolled back, from what CMV recorded (see {@link rollbackOf}): an alarm (CMV's
 * alarm handler on the alarm's event, the canary check finding it, or CodeDeploy stopping on it),
 * a failed smoke test, CMV's smoke tests failing as a CodeDeploy lifecycle hook, the tests an
 * emergency change deferred until after its deployment, an operator's abort, CodeDeploy ending the
 * deployment for another reason, or a deployment step that failed.
 */
export const ROLLBACK_CAUSES = ['alarm', 'smoke_test', 'codedeploy_hook', 'deferred_tests', 'operator_abort', 'codedeploy', 'deployment_error'] as const;
export type RollbackCause = (typeof ROLLBACK_CAUSES)[number];
