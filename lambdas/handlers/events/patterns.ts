import { DETAIL_TYPES, EVENT_SOURCE } from '../../core/events';

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

/**
 * The EventBridge pattern of the events after which a digest of the ledger is made (make-digest.ts):
 * CMV's own events of a deployment's end. The CDK rule and the local event bus both use it.
 */
export const DIGEST_AFTER_DEPLOYMENT_PATTERN = {
  source: [EVENT_SOURCE],
  'detail-type': [DETAIL_TYPES.ChangeDeployed, DETAIL_TYPES.ChangeRolledBack],
};
