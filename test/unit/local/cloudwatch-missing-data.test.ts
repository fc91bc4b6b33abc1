import { DescribeAlarmsCommand, PutMetricAlarmCommand, SetAlarmStateCommand, type StateValue } from '@aws-sdk/client-cloudwatch';
import { LocalCloudWatch } from '../../../lib/local/cloudwatch';
import { cells, EARLIER_EDITION_ROWS, MISSING_DATA_TABLES, type TreatMissingData } from '../../fixtures/missing-data-tables';

/**
 * The local CloudWatch against the User Guide's missing-data tables: each row's datapoints are
 * recorded one per minute, the alarm (60 s period, threshold 0, GreaterThanThreshold) is
 * evaluated at the minute that closes the range, and its state must be the table's cell. A
 * "Retain current state" cell is checked from each state the alarm can be in.
 */
const MINUTE = 60_000;
/** The evaluation instant: a minute boundary. */
const AT = Date.UTC(2026, 10, 22, 10, 0, 0);

async function stateAfter(points: string, treat: TreatMissingData, datapointsToAlarm: number, evaluationPeriods: number, before: StateValue) {
  const cw = new LocalCloudWatch(1);
  const values = points.split(' ');
  values.forEach((p, i) => {
    if (p === '-') return;
    jest.setSystemTime(AT - (values.length - i) * MINUTE + 30_000); // mid-minute of the i-th period of the range
    cw.record('Test', 'Failures', {}, p === 'X' ? 1 : 0);
  });
  jest.setSystemTime(AT - 1_000);
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: 'a',
      Namespace: 'Test',
      MetricName: 'Failures',
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: evaluationPeriods,
      DatapointsToAlarm: datapointsToAlarm,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: treat,
    }),
  );
  await cw.send(new SetAlarmStateCommand({ AlarmName: 'a', StateValue: before, StateReason: 'set by the test' }));
  jest.setSystemTime(AT + 1);
  const out = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['a'] }))) as { MetricAlarms: { StateValue: string }[] };
  return out.MetricAlarms[0]?.StateValue;
}

describe('LocalCloudWatch alarm evaluation with missing data (User Guide tables)', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  describe.each([
    ['current edition', MISSING_DATA_TABLES],
    ['earlier edition', EARLIER_EDITION_ROWS],
  ])('%s', (_edition, rows) => {
    test.each(cells(rows))(
      '$points, $datapointsToAlarm of $evaluationPeriods, $treat → $state',
      async ({ points, treat, datapointsToAlarm, evaluationPeriods, state }) => {
        const befores: StateValue[] = state === 'retain' ? ['OK', 'ALARM', 'INSUFFICIENT_DATA'] : ['OK'];
        for (const before of befores) {
          expect(await stateAfter(points, treat, datapointsToAlarm, evaluationPeriods, before)).toBe(state === 'retain' ? before : state);
        }
      },
    );
  });
});
