import { GetMetricDataCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { ALARM_STATE_CHANGE_PATTERN } from '../../../lambdas/handlers/events/patterns';
import { type AlarmStateChangeEvent, LocalCloudWatch } from '../../../lib/local/cloudwatch';
import { matchesPattern } from '../../../lib/local/event-pattern';

const dims = { FunctionName: 'svc', Resource: 'svc:live', ExecutedVersion: '2' };
const dimensions = Object.entries(dims).map(([Name, Value]) => ({ Name, Value }));

describe('LocalCloudWatch', () => {
  it('GetMetricData answers each MetricStat query with its statistic over the window', async () => {
    const cw = new LocalCloudWatch(60); // a 60 s period lasts 1 s
    const from = new Date(Date.now() - 10);
    for (const ms of [10, 20, 30, 400]) cw.record('AWS/Lambda', 'Duration', dims, ms);
    cw.record('AWS/Lambda', 'Duration', { ...dims, ExecutedVersion: '1' }, 5000);
    const metric = { Namespace: 'AWS/Lambda', MetricName: 'Duration', Dimensions: dimensions };
    const out = (await cw.send(
      new GetMetricDataCommand({
        StartTime: from,
        EndTime: new Date(Date.now() + 10),
        MetricDataQueries: [
          { Id: 'p99', MetricStat: { Metric: metric, Period: 60, Stat: 'p99' } },
          { Id: 'n', MetricStat: { Metric: metric, Period: 60, Stat: 'SampleCount' } },
        ],
      }),
    )) as { MetricDataResults: { Id: string; Values: number[]; StatusCode: string }[] };
    expect(out.MetricDataResults.map((r) => [r.Id, r.Values, r.StatusCode])).toEqual([
      ['p99', [400], 'Complete'],
      ['n', [4], 'Complete'],
    ]);
  });

  it('evaluating continuously, tells one "CloudWatch Alarm State Change" event per state change, shaped like AWS\'s', async () => {
    const cw = new LocalCloudWatch(600); // a 60 s period lasts 100 ms
    const events: AlarmStateChangeEvent[] = [];
    cw.onStateChange((e) => events.push(e));
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'cmv-svc-errors',
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: dimensions,
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      }),
    );
    cw.startEvaluating(5);
    try {
      await new Promise((r) => setTimeout(r, 30));
      cw.record('AWS/Lambda', 'Errors', dims, 1);
      for (const deadline = Date.now() + 2000; !events.some((e) => e.detail.state.value === 'ALARM'); ) {
        if (Date.now() > deadline) throw new Error('no ALARM event');
        await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      cw.stopEvaluating();
    }
    const alarm = events.find((e) => e.detail.state.value === 'ALARM') as AlarmStateChangeEvent;
    expect(events.filter((e) => e.detail.state.value === 'ALARM')).toHaveLength(1);
    expect(matchesPattern(ALARM_STATE_CHANGE_PATTERN, alarm)).toBe(true);
    expect(alarm).toMatchObject({ source: 'aws.cloudwatch', resources: ['arn:aws:cloudwatch:local:000000000000:alarm:cmv-svc-errors'] });
    expect(alarm.detail.state.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    const count = events.length;
    await new Promise((r) => setTimeout(r, 300)); // the errors age out of the period, but nothing evaluates any more
    expect(events).toHaveLength(count);
  });
});
