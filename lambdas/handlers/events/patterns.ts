/**
 * The EventBridge pattern of the events the alarm handler (alarm-state-change.ts) takes: CMV's alarms (`cmv-<target>-…`) moving
 * to ALARM. The CDK rule and the local event bus both use it.
 */
export const ALARM_STATE_CHANGE_PATTERN = {
  source: ['aws.cloudwatch'],
  'detail-type': ['CloudWatch Alarm State Change'],
  detail: { alarmName: [{ prefix: 'cmv-' }], state: { value: ['ALARM'] } },
};

/**
 * The EventBridge pattern of the events the CodeDeploy handler (codedeploy-state-change.ts) takes: a
 * deployment of CMV's CodeDeploy application ending (states SUCCESS, FAILURE, STOP: the CodeDeploy
 * user guide, "Monitoring deployments with Amazon EventBridge"). The CDK rule and the local bus use it.
 */
export function codeDeployStateChangePattern(application: string) {
  return {
    source: ['aws.codedeploy'],
    'detail-type': ['CodeDeploy Deployment State-change Notification'],
    detail: { application: [application], state: ['SUCCESS', 'FAILURE', 'STOP'] },
  };
}
