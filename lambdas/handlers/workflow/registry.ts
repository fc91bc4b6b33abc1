/**
 * The workflow's Lambda tasks: ASL placeholder → handler module in this folder. CDK creates one
 * function per entry and substitutes its ARN; the local runtime calls the same module in-process.
 */
export const WORKFLOW_FUNCTIONS = {
  PlanChangeFunctionArn: 'plan-change',
  RecordTestResultFunctionArn: 'record-test-result',
  RequestApprovalFunctionArn: 'request-approval',
  ScheduleDeploymentFunctionArn: 'schedule-deployment',
  StartDeploymentFunctionArn: 'start-deployment',
  WarmUpFunctionArn: 'warm-up',
  ShiftTrafficFunctionArn: 'shift-traffic',
  ScheduleWakeFunctionArn: 'schedule-wake',
  CheckCanaryFunctionArn: 'check-canary',
  AwaitResumeFunctionArn: 'await-resume',
  RunSmokeTestsFunctionArn: 'run-smoke-tests',
  CreateCodeDeploymentFunctionArn: 'create-code-deployment',
  FollowCodeDeploymentFunctionArn: 'follow-code-deployment',
  FinalizeDeploymentFunctionArn: 'finalize-deployment',
  RetireVersionsFunctionArn: 'retire-versions',
  RollbackFunctionArn: 'rollback',
  RecordFailureFunctionArn: 'record-failure',
} as const;

export type WorkflowPlaceholder = keyof typeof WORKFLOW_FUNCTIONS;
export type WorkflowHandlerName = (typeof WORKFLOW_FUNCTIONS)[WorkflowPlaceholder];

/** Path of the ASL file, relative to the repository root. */
export const STATE_MACHINE_FILE = 'statemachines/change-lifecycle.asl.json';
