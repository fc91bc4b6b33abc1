import { AlarmSettings, CustomAlarm, RetentionSettings } from '../../../lambdas/core/target-settings';

/** What a settings schema says about `input`: accepted, or each issue as `path: message`. */
const verdict = (schema: typeof AlarmSettings | typeof CustomAlarm | typeof RetentionSettings, input: unknown) => {
  const out = schema.safeParse(input);
  return out.success ? 'accepted' : out.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

const alarms = { errorRatePercent: 5, periodSeconds: 60, evaluationPeriods: 1, minimumRequests: 5 };
const custom = { name: 'declined', namespace: 'Benefits', metricName: 'ClaimsDeclined', statistic: 'Sum', threshold: 3 };

describe('AlarmSettings', () => {
  it.each([
    [60, 1440],
    [300, 288],
    [3_540, 24],
    [3_600, 168],
    [86_400, 7],
  ])('accepts a period of %i s over %i periods (within what PutMetricAlarm allows)', (periodSeconds, evaluationPeriods) => {
    expect(verdict(AlarmSettings, { ...alarms, periodSeconds, evaluationPeriods })).toBe('accepted');
  });

  it.each([
    [10, 1, /^periodSeconds: must be a multiple of 60 s/],
    [30, 1, /^periodSeconds: must be a multiple of 60 s/],
    [90, 1, /^periodSeconds: must be a multiple of 60 s/],
    [0, 1, /^periodSeconds: must be a multiple of 60 s/],
    [60, 0, /^evaluationPeriods: Too small/],
    [
      60,
      1441,
      /^evaluationPeriods: periodSeconds × evaluationPeriods must be at most 86400 s for a period under an hour \(CloudWatch PutMetricAlarm\), got 86460/,
    ],
    [3_540, 25, /^evaluationPeriods: periodSeconds × evaluationPeriods must be at most 86400 s/],
    [
      3_600,
      169,
      /^evaluationPeriods: periodSeconds × evaluationPeriods must be at most 604800 s for a period of an hour or more \(CloudWatch PutMetricAlarm\), got 608400/,
    ],
  ])('rejects a period of %i s over %i periods, naming the field and the reason', (periodSeconds, evaluationPeriods, message) => {
    const issues = verdict(AlarmSettings, { ...alarms, periodSeconds, evaluationPeriods });
    expect(issues).toEqual([expect.stringMatching(message)]);
  });
});

describe('CustomAlarm', () => {
  it('accepts a metric of another AWS namespace with 30 dimensions, and printable ASCII names and values up to their limits', () => {
    const dimensions = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`D${i} ${'n'.repeat(250)}`.slice(0, 255), 'v'.repeat(1024)]));
    expect(verdict(CustomAlarm, { ...custom, namespace: 'AWS/SQS', metricName: 'm'.repeat(255), dimensions })).toBe('accepted');
  });

  it.each([
    ['a namespace longer than 255 characters', { namespace: 'n'.repeat(256) }, /^namespace: Too big/],
    ['a namespace starting with a colon', { namespace: ':Benefits' }, /^namespace: must not start with a colon/],
    ['an empty metric name', { metricName: '' }, /^metricName: Too small/],
    ['a metric name longer than 255 characters', { metricName: 'm'.repeat(256) }, /^metricName: Too big/],
    ['31 dimensions', { dimensions: Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`D${i}`, 'v'])) }, /^dimensions: at most 30 dimensions/],
    [
      '30 dimensions of a per-version alarm (ExecutedVersion is the 31st)',
      { perVersion: true, dimensions: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`D${i}`, 'v'])) },
      /^dimensions: at most 29 dimensions when perVersion adds ExecutedVersion/,
    ],
    [
      'an ExecutedVersion dimension of a per-version alarm',
      { perVersion: true, dimensions: { ExecutedVersion: '3' } },
      /^dimensions: ExecutedVersion is set by perVersion/,
    ],
    ['a dimension name starting with a colon', { dimensions: { ':Service': 'svc' } }, /^dimensions.:Service: .*must not start with a colon/],
    ['a dimension name longer than 255 characters', { dimensions: { ['d'.repeat(256)]: 'svc' } }, /^dimensions\.d+: .*1–255/],
    ['a blank dimension name', { dimensions: { '  ': 'svc' } }, /^dimensions\. {2}: .*non-whitespace/],
    ['a dimension value longer than 1024 characters', { dimensions: { Service: 'v'.repeat(1025) } }, /^dimensions\.Service: .*1–1024/],
    ['a blank dimension value', { dimensions: { Service: ' ' } }, /^dimensions\.Service: .*non-whitespace/],
    ['a dimension value that is not ASCII', { dimensions: { Service: 'café' } }, /^dimensions\.Service: .*printable ASCII/],
    ['a dimension value with a control character', { dimensions: { Service: 'a\tb' } }, /^dimensions\.Service: .*printable ASCII/],
  ])('rejects %s, naming the field and the reason', (_what, change, message) => {
    expect(verdict(CustomAlarm, { ...custom, ...change })).toEqual([expect.stringMatching(message)]);
  });
});

describe('RetentionSettings', () => {
  it('keeps versions 90 days by default (the rollback window), as well as the 5 newest', () => {
    expect(RetentionSettings.parse({})).toEqual({ keepVersions: 5, keepDays: 90 });
    expect(RetentionSettings.parse({ keepVersions: 3 })).toEqual({ keepVersions: 3, keepDays: 90 });
  });

  it.each([[0], [1], [90], [3650]])('accepts keepDays %p', (keepDays) => {
    expect(verdict(RetentionSettings, { keepDays })).toBe('accepted');
  });

  it.each([
    [-1, /^keepDays: Too small/],
    [1.5, /^keepDays: Invalid input: expected int/],
    ['90', /^keepDays: Invalid input: expected number/],
    [3651, /^keepDays: Too big/],
  ])('rejects keepDays %p, naming the field and the reason', (keepDays, message) => {
    expect(verdict(RetentionSettings, { keepDays })).toEqual([expect.stringMatching(message)]);
  });
});
