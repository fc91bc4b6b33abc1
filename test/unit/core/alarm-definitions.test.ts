import { alarmDefinitions, alarmNamePatternsFor, alarmNamesFor } from '../../../lambdas/core/alarm-definitions';
import type { AlarmSettings } from '../../../lambdas/core/target-settings';

const subject = { target: 'svc', functionName: 'svc-fn', alias: 'live', functionVersion: '7' };
const base: AlarmSettings = { errorRatePercent: 5, periodSeconds: 60, evaluationPeriods: 2, minimumRequests: 10, custom: [] };
const full: AlarmSettings = {
  ...base,
  p99LatencyMs: 800,
  throttles: 0,
  custom: [
    {
      name: 'declined',
      namespace: 'Benefits',
      metricName: 'ClaimsDeclined',
      dimensions: { Service: 'svc' },
      statistic: 'p90',
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 3,
      perVersion: true,
      treatMissingData: 'missing',
    },
    {
      name: 'queue',
      namespace: 'AWS/SQS',
      metricName: 'ApproximateAgeOfOldestMessage',
      dimensions: {},
      statistic: 'Maximum',
      comparison: 'GreaterThanThreshold',
      threshold: 300,
      perVersion: false,
      treatMissingData: 'breaching',
    },
  ],
};
const versionDims = [
  { Name: 'FunctionName', Value: 'svc-fn' },
  { Name: 'Resource', Value: 'svc-fn:live' },
  { Name: 'ExecutedVersion', Value: '7' },
];

describe('alarm-definitions', () => {
  describe('alarmNamePatternsFor()', () => {
    /** IAM's `*` wildcard, as the grants built from these patterns match alarm ARNs. */
    const matchesAny = (patterns: string[], name: string) =>
      patterns.some((p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(name));

    it('covers every alarm any registration of the target may arm, whatever its alarm settings', () => {
      // Arrange
      const patterns = alarmNamePatternsFor('svc');
      // Act / Assert
      for (const name of [...alarmNamesFor('svc', base), ...alarmNamesFor('svc', full)]) expect([name, matchesAny(patterns, name)]).toEqual([name, true]);
    });

    it("leaves out the stack's standing alarm on the alias and other targets' alarms", () => {
      const patterns = alarmNamePatternsFor('svc');
      for (const name of ['cmv-svc-live-error-rate', 'cmv-other-error-rate', 'cmv-svc-error-rate-x', 'cmv-svcx-custom-a']) {
        expect([name, matchesAny(patterns, name)]).toEqual([name, false]);
      }
    });
  });

  it('names the error-rate alarm always, then p99, throttles and custom alarms when the target sets them', () => {
    expect(alarmNamesFor('svc', base)).toEqual(['cmv-svc-error-rate']);
    expect(alarmNamesFor('svc', full)).toEqual([
      'cmv-svc-error-rate',
      'cmv-svc-p99-latency',
      'cmv-svc-throttles',
      'cmv-svc-custom-declined',
      'cmv-svc-custom-queue',
    ]);
    expect(alarmDefinitions(subject, full).map((d) => d.AlarmName)).toEqual(alarmNamesFor('svc', full));
  });

  it('guards the error rate with metric math on the new version, ignoring periods below the minimum requests', () => {
    const [rate] = alarmDefinitions(subject, base);
    expect(rate).toMatchObject({
      Threshold: 5,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
      Metrics: [
        { Id: 'errors', MetricStat: { Metric: { MetricName: 'Errors', Dimensions: versionDims }, Period: 60, Stat: 'Sum' } },
        { Id: 'invocations', MetricStat: { Metric: { MetricName: 'Invocations', Dimensions: versionDims } } },
        { Id: 'rate', ReturnData: true, Expression: 'IF(invocations >= 10, 100 * errors / invocations, 0)' },
      ],
    });
  });

  it('guards p99 latency on the new version and throttles on the alias (Lambda has no ExecutedVersion for a throttle)', () => {
    const [, p99, throttles] = alarmDefinitions(subject, full);
    expect(p99).toMatchObject({ MetricName: 'Duration', Dimensions: versionDims, ExtendedStatistic: 'p99', Threshold: 800, TreatMissingData: 'notBreaching' });
    expect(p99.Statistic).toBeUndefined();
    expect(throttles).toMatchObject({
      MetricName: 'Throttles',
      Dimensions: versionDims.slice(0, 2),
      Statistic: 'Sum',
      Threshold: 0,
      TreatMissingData: 'notBreaching',
    });
  });

  it('writes custom alarms as given: percentiles as ExtendedStatistic, ExecutedVersion when per version, their own missing-data treatment', () => {
    const [, , , declined, queue] = alarmDefinitions(subject, full);
    expect(declined).toMatchObject({
      Namespace: 'Benefits',
      MetricName: 'ClaimsDeclined',
      Dimensions: [
        { Name: 'Service', Value: 'svc' },
        { Name: 'ExecutedVersion', Value: '7' },
      ],
      ExtendedStatistic: 'p90',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 3,
      TreatMissingData: 'missing',
    });
    expect(queue).toMatchObject({ Dimensions: [], Statistic: 'Maximum', TreatMissingData: 'breaching' });
    expect(queue.ExtendedStatistic).toBeUndefined();
  });
});
