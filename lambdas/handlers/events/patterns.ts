/**
 * The EventBridge pattern of the events the alarm handler (alarm-state-change.ts) takes: CMV's alarms (`cmv-<target>-…`) moving
 * to ALARM. The CDK rule and the local event bus both use it.
 */
export const ALARM_STATE_CHANGE_PATTERN = {
  source: ['aws.cloudwatch'],
  'detail-type': ['CloudWatch Alarm State Change'],
  detail: { alarmName: [{ prefix: 'cmv-' }], state: { value: ['ALARM'] } },
};
