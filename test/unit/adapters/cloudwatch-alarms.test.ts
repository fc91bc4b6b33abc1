import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchAlarmWatch, errorRateAlarmName } from '../../../lambdas/adapters/cloudwatch-alarms';
import type { Target } from '../../../lambdas/core/target';

const cloudwatchMock = mockClient(CloudWatchClient);
const client = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });

const target: Target = {
  name: 'benefit-calculator',
  description: 'Weekly unemployment benefit',
  functionName: 'cmv-benefit-calculator',
  alias: 'live',
  environment: 'production',
  testSuites: { unit: 'npm test' },
  strategy: 'alias-weights',
  canary: { steps: [10, 50, 100], bakeSeconds: 60 },
  codeDeploy: { deploymentConfig: 'CodeDeployDefault.LambdaCanary10Percent5Minutes', customConfigs: [] },
  alarms: { errorRatePercent: 5, periodSeconds: 60, evaluationPeriods: 2, minimumRequests: 20, custom: [] },
  smokeTests: [],
  retention: { keepVersions: 5 },
  liveVersion: '1.0.0',
  liveFunctionVersion: '3',
  revision: 1,
  registeredAt: '2026-03-01T09:00:00.000Z',
  updatedAt: '2026-03-01T09:00:00.000Z',
};

describe('cloudwatch-alarms', () => {
  let watch: CloudWatchAlarmWatch;
  beforeEach(() => {
    cloudwatchMock.reset();
    watch = new CloudWatchAlarmWatch(client);
  });

  describe('errorRateAlarmName()', () => {
    it('names the alarm cmv-<target>-error-rate', () => {
      expect(errorRateAlarmName('benefit-calculator')).toBe('cmv-benefit-calculator-error-rate');
    });
  });

  describe('CloudWatchAlarmWatch.armForVersion()', () => {
    it('puts the error-rate alarm over the own metrics of the new version', async () => {
      // Arrange
      cloudwatchMock.on(PutMetricAlarmCommand).resolves({});
      const dimensions = [
        { Name: 'FunctionName', Value: 'cmv-benefit-calculator' },
        { Name: 'Resource', Value: 'cmv-benefit-calculator:live' },
        { Name: 'ExecutedVersion', Value: '4' },
      ];
      const metric = (id: string, metricName: string) => ({
        Id: id,
        ReturnData: false,
        MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: metricName, Dimensions: dimensions }, Period: 60, Stat: 'Sum' },
      });

      // Act
      const names = await watch.armForVersion(target, '4');

      // Assert
      expect(names).toEqual(['cmv-benefit-calculator-error-rate']);
      expect(cloudwatchMock).toHaveReceivedCommandTimes(PutMetricAlarmCommand, 1);
      expect(cloudwatchMock).toHaveReceivedCommandWith(PutMetricAlarmCommand, {
        AlarmName: 'cmv-benefit-calculator-error-rate',
        Metrics: [
          metric('errors', 'Errors'),
          metric('invocations', 'Invocations'),
          { Id: 'rate', Label: 'Error rate (%)', ReturnData: true, Expression: 'IF(invocations >= 20, 100 * errors / invocations, 0)' },
        ],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 5,
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
        TreatMissingData: 'notBreaching',
      });
    });

    it('puts every alarm the target defines, one PutMetricAlarm each, and returns their names', async () => {
      cloudwatchMock.on(PutMetricAlarmCommand).resolves({});
      const guarded = { ...target, alarms: { ...target.alarms, p99LatencyMs: 500, throttles: 2 } };

      const names = await watch.armForVersion(guarded, '4');

      expect(names).toEqual(['cmv-benefit-calculator-error-rate', 'cmv-benefit-calculator-p99-latency', 'cmv-benefit-calculator-throttles']);
      expect(cloudwatchMock.commandCalls(PutMetricAlarmCommand).map((c) => c.args[0].input.AlarmName)).toEqual(names);
      expect(cloudwatchMock).toHaveReceivedCommandWith(PutMetricAlarmCommand, {
        AlarmName: 'cmv-benefit-calculator-p99-latency',
        ExtendedStatistic: 'p99',
        Threshold: 500,
      });
    });

    it('follows the threshold of the target and minimum requests when they differ', async () => {
      cloudwatchMock.on(PutMetricAlarmCommand).resolves({});
      const strict = { ...target, alarms: { errorRatePercent: 1, periodSeconds: 300, evaluationPeriods: 1, minimumRequests: 5, custom: [] } };

      await watch.armForVersion(strict, '9');

      const input = cloudwatchMock.commandCalls(PutMetricAlarmCommand)[0].args[0].input;
      expect(input.Threshold).toBe(1);
      expect(input.Metrics?.[2].Expression).toBe('IF(invocations >= 5, 100 * errors / invocations, 0)');
      expect(input.Metrics?.[0].MetricStat?.Period).toBe(300);
      expect(input.Metrics?.[0].MetricStat?.Metric?.Dimensions).toContainEqual({ Name: 'ExecutedVersion', Value: '9' });
    });
  });

  describe('CloudWatchAlarmWatch.describe()', () => {
    it('maps DescribeAlarms output to alarm states with ISO times', async () => {
      // Arrange
      cloudwatchMock.on(DescribeAlarmsCommand).resolves({
        MetricAlarms: [
          {
            AlarmName: 'cmv-benefit-calculator-error-rate',
            StateValue: 'ALARM',
            StateReason: 'Threshold Crossed',
            StateUpdatedTimestamp: new Date('2026-03-01T09:02:00Z'),
          },
          { AlarmName: 'other', StateValue: 'OK', StateReason: 'fine', StateUpdatedTimestamp: new Date('2026-03-01T08:00:00Z') },
        ],
      });

      // Act
      const alarms = await watch.describe(['cmv-benefit-calculator-error-rate', 'other']);

      // Assert
      expect(cloudwatchMock).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
        AlarmNames: ['cmv-benefit-calculator-error-rate', 'other'],
        AlarmTypes: ['MetricAlarm'],
      });
      expect(alarms).toEqual([
        { name: 'cmv-benefit-calculator-error-rate', state: 'ALARM', reason: 'Threshold Crossed', updatedAt: '2026-03-01T09:02:00.000Z' },
        { name: 'other', state: 'OK', reason: 'fine', updatedAt: '2026-03-01T08:00:00.000Z' },
      ]);
    });

    it('maps a new alarm without a state to INSUFFICIENT_DATA', async () => {
      cloudwatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'cmv-benefit-calculator-error-rate' }] });

      const [alarm] = await watch.describe(['cmv-benefit-calculator-error-rate']);

      expect(alarm).toEqual({ name: 'cmv-benefit-calculator-error-rate', state: 'INSUFFICIENT_DATA', reason: '', updatedAt: '1970-01-01T00:00:00.000Z' });
    });

    it('returns no alarms when CloudWatch has none of them', async () => {
      cloudwatchMock.on(DescribeAlarmsCommand).resolves({});

      expect(await watch.describe(['gone'])).toEqual([]);
    });
  });
});
