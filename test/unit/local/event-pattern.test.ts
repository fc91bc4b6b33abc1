import { ALARM_STATE_CHANGE_PATTERN } from '../../../lambdas/handlers/events/patterns';
import { matchesPattern } from '../../../lib/local/event-pattern';

const alarmEvent = (alarmName: string, value: string) => ({
  source: 'aws.cloudwatch',
  'detail-type': 'CloudWatch Alarm State Change',
  detail: { alarmName, state: { value, reason: 'x' } },
});

describe('matchesPattern (EventBridge pattern semantics)', () => {
  it('matches the alarm rule only for cmv-* alarms going to ALARM', () => {
    expect(matchesPattern(ALARM_STATE_CHANGE_PATTERN, alarmEvent('cmv-svc-error-rate', 'ALARM'))).toBe(true);
    expect(matchesPattern(ALARM_STATE_CHANGE_PATTERN, alarmEvent('cmv-svc-error-rate', 'OK'))).toBe(false);
    expect(matchesPattern(ALARM_STATE_CHANGE_PATTERN, alarmEvent('other-alarm', 'ALARM'))).toBe(false);
    expect(matchesPattern(ALARM_STATE_CHANGE_PATTERN, { ...alarmEvent('cmv-a', 'ALARM'), source: 'cmv' })).toBe(false);
  });

  it('ORs the entries of a field, ANDs the fields, and matches a literal against an array value', () => {
    const pattern = { source: ['cmv', 'other'], resources: ['arn:x'] };
    expect(matchesPattern(pattern, { source: 'other', resources: ['arn:y', 'arn:x'] })).toBe(true);
    expect(matchesPattern(pattern, { source: 'cmv', resources: ['arn:y'] })).toBe(false);
  });

  it('supports prefix, suffix, equals-ignore-case, anything-but, exists and numeric', () => {
    expect(matchesPattern({ a: [{ suffix: '.png' }] }, { a: 'x.png' })).toBe(true);
    expect(matchesPattern({ a: [{ 'equals-ignore-case': 'ALARM' }] }, { a: 'alarm' })).toBe(true);
    expect(matchesPattern({ a: [{ 'anything-but': ['OK', 'INSUFFICIENT_DATA'] }] }, { a: 'ALARM' })).toBe(true);
    expect(matchesPattern({ a: [{ 'anything-but': 'OK' }] }, { a: 'OK' })).toBe(false);
    expect(matchesPattern({ a: [{ 'anything-but': { prefix: 'cmv-' } }] }, { a: 'cmv-x' })).toBe(false);
    expect(matchesPattern({ a: [{ 'anything-but': 'OK' }] }, {})).toBe(false);
    expect(matchesPattern({ a: [{ exists: false }] }, {})).toBe(true);
    expect(matchesPattern({ a: [{ exists: true }] }, {})).toBe(false);
    expect(matchesPattern({ n: [{ numeric: ['>', 0, '<=', 5] }] }, { n: 5 })).toBe(true);
    expect(matchesPattern({ n: [{ numeric: ['>', 0, '<=', 5] }] }, { n: 6 })).toBe(false);
  });

  it('refuses entries it does not know rather than silently not matching', () => {
    expect(() => matchesPattern({ type: [{ contains: 'Normal' }] }, { type: 'Normal' })).toThrow(/contains is not an EventBridge pattern operator/);
  });
});
