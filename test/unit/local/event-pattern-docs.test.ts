import { matchesPattern } from '../../../lib/local/event-pattern';

/**
 * The documented EventBridge event patterns, each with events it matches and does not match.
 * Sources: the EventBridge User Guide ("Content filtering in Amazon EventBridge event patterns",
 * "Comparison operators for use in event patterns", "Arrays in …", "Matching null values and empty
 * strings …", "Creating Amazon EventBridge event patterns") and the README of aws/event-ruler, the
 * matcher EventBridge runs (for the operators the guide names without an example event).
 */

/** The guide's and Ruler's sample EC2 event. */
const EC2 = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 301.8, 'source-ip': '10.0.0.33', 'instance-id': 'i-000000aaaaaa00000', state: 'running' },
};
const ec2 = (detail: Record<string, unknown>) => ({ ...EC2, detail: { ...EC2.detail, ...detail } });
/** The guide's event without a detail.state field: detail.c-count is an object (not a leaf). */
const NO_STATE = {
  'detail-type': ['EC2 Instance State-change Notification'],
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
  detail: { 'c-count': { c1: 100 } },
};
const EMPLOYEES = {
  employees: [
    { firstName: 'John', lastName: 'Doe' },
    { firstName: 'Anna', lastName: 'Smith' },
    { firstName: 'Peter', lastName: 'Jones' },
  ],
};
const AUTOSCALING = {
  version: '0',
  id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
  'detail-type': 'EC2 Instance Launch Successful',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2015-11-11T21:31:47Z',
  region: 'us-east-1',
  resources: [],
  detail: { eventVersion: '', responseElements: null },
};
const cloudwatchMetric = (fields: Record<string, unknown>) => ({ source: 'aws.cloudwatch', ...fields });

type Case = [string, Record<string, unknown>, unknown, boolean];

const CASES: Case[] = [
  // Prefix, suffix, equals-ignore-case, and their ignore-case forms.
  ['prefix', { time: [{ prefix: '2017-10-02' }] }, EC2, true],
  ['prefix, other value', { time: [{ prefix: '2017-10-03' }] }, EC2, false],
  ['prefix equals-ignore-case', { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } }, { detail: { service: 'EVENTBRIDGE' } }, true],
  [
    'prefix equals-ignore-case, other value',
    { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    { detail: { service: 'Bridge' } },
    false,
  ],
  ['suffix', { FileName: [{ suffix: '.png' }] }, { FileName: 'image.png' }, true],
  ['suffix is case-sensitive', { FileName: [{ suffix: '.png' }] }, { FileName: 'image.PNG' }, false],
  ['suffix equals-ignore-case', { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, { detail: { FileName: 'image.PNG' } }, true],
  ['equals-ignore-case', { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] }, NO_STATE, true],
  // Anything-but, in every documented form.
  ['anything-but string', { detail: { state: [{ 'anything-but': 'initializing' }] } }, EC2, true],
  ['anything-but string, excluded', { detail: { state: [{ 'anything-but': 'initializing' }] } }, ec2({ state: 'initializing' }), false],
  ['anything-but number', { detail: { 'x-limit': [{ 'anything-but': 123 }] } }, EC2, true],
  ['anything-but number, excluded', { detail: { 'x-limit': [{ 'anything-but': 123 }] } }, ec2({ 'x-limit': 123 }), false],
  ['anything-but string list', { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } }, ec2({ state: 'stopped' }), false],
  ['anything-but number list', { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } }, EC2, true],
  ['anything-but prefix', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, ec2({ state: 'initializing' }), false],
  ['anything-but prefix list', { detail: { state: [{ 'anything-but': { prefix: ['init', 'error'] } }] } }, ec2({ state: 'error-disk' }), false],
  ['anything-but prefix list, other value', { detail: { state: [{ 'anything-but': { prefix: ['init', 'error'] } }] } }, EC2, true],
  ['anything-but suffix', { FileName: [{ 'anything-but': { suffix: '.png' } }] }, { FileName: 'image.png' }, false],
  ['anything-but suffix list', { detail: { 'instance-id': [{ 'anything-but': { suffix: ['1234', '6789'] } }] } }, ec2({ 'instance-id': 'i-6789' }), false],
  ['anything-but suffix list, other value', { detail: { 'instance-id': [{ 'anything-but': { suffix: ['1234', '6789'] } }] } }, EC2, true],
  [
    'anything-but equals-ignore-case',
    { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } },
    ec2({ state: 'INITIALIZING' }),
    false,
  ],
  [
    'anything-but equals-ignore-case list',
    { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] } },
    ec2({ state: 'overloaded' }),
    false,
  ],
  ['anything-but wildcard', { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] }, { FilePath: '/usr/lib/libz.so' }, false],
  ['anything-but wildcard, other value', { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] }, { FilePath: '/usr/bin/zip' }, true],
  [
    'anything-but wildcard list',
    { detail: { state: [{ 'anything-but': { wildcard: ['*/bin/*.jar', '*/bin/*.class'] } }] } },
    ec2({ state: '/opt/bin/a.class' }),
    false,
  ],
  // Numeric, IP address, exists.
  [
    'numeric',
    { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'd-count': [{ numeric: ['<', 10] }], 'x-limit': [{ numeric: ['=', 3.018e2] }] } },
    EC2,
    true,
  ],
  ['numeric, out of range', { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } }, ec2({ 'c-count': 6 }), false],
  ['numeric does not match a string', { detail: { 'c-count': [{ numeric: ['>', 0] }] } }, ec2({ 'c-count': '5' }), false],
  ['cidr IPv4', { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, EC2, true],
  ['cidr IPv4, outside', { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, ec2({ 'source-ip': '10.0.1.33' }), false],
  ['cidr IPv6', { detail: { sourceIPAddress: [{ cidr: '2001:db8::/32' }] } }, { detail: { sourceIPAddress: '2001:db8:0:1::7' } }, true],
  ['cidr IPv6, outside', { detail: { sourceIPAddress: [{ cidr: '2001:db8::/32' }] } }, { detail: { sourceIPAddress: '2001:db9::7' } }, false],
  ['exists true', { detail: { state: [{ exists: true }] } }, EC2, true],
  ['exists true, absent', { detail: { state: [{ exists: true }] } }, NO_STATE, false],
  ['exists false, absent', { detail: { 'c-count': [{ exists: false }] } }, { detail: { state: ['initializing', 'running'] } }, true],
  [
    'exists false on a non-leaf node',
    { detail: { 'c-count': [{ exists: false }] } },
    { detail: { state: ['initializing', 'running'], 'c-count': { c1: 100 } } },
    true,
  ],
  ['exists true on a non-leaf node', { detail: { 'c-count': [{ exists: true }] } }, NO_STATE, false],
  // Wildcard.
  ['wildcard', { source: [{ wildcard: 'Simple*Service' }] }, { source: 'SimpleQueueService' }, true],
  ['wildcard, not matching', { source: [{ wildcard: 'Simple*Service' }] }, { source: 'SimpleQueue' }, false],
  ['wildcard with several stars', { key: [{ wildcard: '*Title*' }] }, { key: 'The Title of it' }, true],
  ['wildcard escaped star', { key: [{ wildcard: 'a\\*b' }] }, { key: 'a*b' }, true],
  ['wildcard escaped star is literal', { key: [{ wildcard: 'a\\*b' }] }, { key: 'axxb' }, false],
  // $or.
  [
    '$or of numeric fields',
    {
      detail: { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }, { 'x-limit': [{ numeric: ['=', 3.018e2] }] }] },
    },
    ec2({ 'c-count': 6, 'd-count': 12 }),
    true,
  ],
  [
    '$or of numeric fields, none',
    {
      detail: { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }, { 'x-limit': [{ numeric: ['=', 3.018e2] }] }] },
    },
    ec2({ 'c-count': 6, 'd-count': 12, 'x-limit': 1 }),
    false,
  ],
  [
    '$or beside a field',
    { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }] },
    cloudwatchMetric({ namespace: 'AWS/ES' }),
    true,
  ],
  [
    '$or with an AND branch and a nested $or',
    {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency'] },
        { metricType: ['MetricType'], namespace: ['AWS/EC2', 'AWS/ES'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
        { scope: ['Service'] },
      ],
    },
    cloudwatchMetric({ metricType: 'MetricType', namespace: 'AWS/EC2', spaceId: 1000 }),
    true,
  ],
  [
    '$or with an AND branch, one field missing',
    { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { metricType: ['MetricType'], namespace: ['AWS/EC2', 'AWS/ES'] }] },
    cloudwatchMetric({ metricType: 'MetricType' }),
    false,
  ],
  // Arrays, null and empty strings, plain values.
  [
    'arrays: intersection with the event array',
    { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f', 'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f'] },
    { resources: ['arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x', 'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f'] },
    true,
  ],
  ['arrays of objects', { employees: { firstName: ['Anna'] } }, EMPLOYEES, true],
  ['arrays of objects: fields of one element', { employees: { firstName: ['Anna'], lastName: ['Smith'] } }, EMPLOYEES, true],
  ['arrays of objects: fields of different elements', { employees: { firstName: ['Anna'], lastName: ['Jones'] } }, EMPLOYEES, false],
  ['nested arrays of objects', { employees: { firstName: ['Peter'] } }, { employees: [[EMPLOYEES.employees[0]], [EMPLOYEES.employees[2]]] }, true],
  ['null', { detail: { responseElements: [null] } }, AUTOSCALING, true],
  ['empty string', { detail: { eventVersion: [''] } }, AUTOSCALING, true],
  ['empty string does not match null', { detail: { responseElements: [''] } }, AUTOSCALING, false],
  [
    'numbers',
    { source: ['aws.macie'], detail: { severity: { score: [1] }, count: [2] } },
    { source: 'aws.macie', detail: { severity: { score: 1 }, count: 2 } },
    true,
  ],
  [
    'complex example',
    {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
        'source-ip': [{ cidr: '10.0.0.0/8' }],
      },
    },
    EC2,
    true,
  ],
];

describe('matchesPattern() on the documented EventBridge patterns', () => {
  test.each(CASES)('%s', (_name, pattern, event, expected) => {
    expect(matchesPattern(pattern as never, event)).toBe(expected);
  });
});

describe('matchesPattern() on patterns EventBridge refuses', () => {
  test.each([
    ['an operator EventBridge does not have', { a: [{ contains: 'x' }] }, /contains/],
    ['consecutive wildcard characters', { a: [{ wildcard: 'a**b' }] }, /consecutive/],
    ['a backslash escaping another character than * or \\', { a: [{ wildcard: 'a\\b' }] }, /escape/],
    ['an unknown numeric operator', { a: [{ numeric: ['!=', 1] }] }, /numeric/],
    ['exists with a value other than true or false', { a: [{ exists: 'yes' }] }, /exists/],
    ['a cidr that is not a CIDR block', { a: [{ cidr: '10.0.0.0/33' }] }, /cidr/],
    ['anything-but mixing strings and numbers', { a: [{ 'anything-but': ['x', 1] }] }, /anything-but/],
    ['a leaf that is not an array', { a: 'x' }, /array/],
  ])('throws InvalidEventPatternException for %s', (_name, pattern, message) => {
    expect(() => matchesPattern(pattern as never, { a: 'x' })).toThrow(
      expect.objectContaining({ name: 'InvalidEventPatternException', message: expect.stringMatching(message) }),
    );
  });
});
