import { DescribeAlarmsCommand, GetMetricDataCommand, PutMetricAlarmCommand, type PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { ALARM_STATE_CHANGE_PATTERN } from '../../../lambdas/handlers/events/patterns';
import { type AlarmStateChangeEvent, LocalCloudWatch } from '../../../lib/local/cloudwatch';
import { matchesPattern } from '../../../lib/local/event-pattern';

const dims = { FunctionName: 'svc', Resource: 'svc:live', ExecutedVersion: '2' };
const dimensions = Object.entries(dims).map(([Name, Value]) => ({ Name, Value }));

describe('LocalCloudWatch', () => {
  afterEach(() => jest.restoreAllMocks());

  it('GetMetricData answers each MetricStat query with its statistic over the window', async () => {
    const cw = new LocalCloudWatch(60); // a 60 s period lasts 1 s
    // All in one period, whatever the machine's speed: the clock stands 100 ms into one (a period-aligned instant + 100 ms).
    const now = Math.floor(Date.now() / 1000) * 1000 + 100;
    jest.spyOn(Date, 'now').mockReturnValue(now);
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

  describe('GetMetricData refuses what CloudWatch refuses (ValidationError naming the field)', () => {
    const metric = { Namespace: 'AWS/Lambda', MetricName: 'Duration', Dimensions: dimensions };
    const query = (Id: string, Period = 60) => ({ Id, MetricStat: { Metric: metric, Period, Stat: 'p99' } });
    const start = new Date('2026-11-22T10:00:00Z');
    const end = new Date('2026-11-22T10:05:00Z');

    it.each([
      ['no query', { StartTime: start, EndTime: end, MetricDataQueries: [] }, /MetricDataQueries must hold 1–500 queries, got 0/],
      ['501 queries', { StartTime: start, EndTime: end, MetricDataQueries: Array.from({ length: 501 }, (_, i) => query(`q${i}`)) }, /got 501/],
      [
        'an Id not starting with a lower-case letter',
        { StartTime: start, EndTime: end, MetricDataQueries: [query('P99')] },
        /MetricDataQueries\.1\.Id must match/,
      ],
      ['an Id with a dash', { StartTime: start, EndTime: end, MetricDataQueries: [query('p99-new')] }, /MetricDataQueries\.1\.Id must match/],
      ['two queries with one Id', { StartTime: start, EndTime: end, MetricDataQueries: [query('a'), query('a')] }, /MetricDataQueries\.2\.Id a is not unique/],
      [
        'a period of 45 s',
        { StartTime: start, EndTime: end, MetricDataQueries: [query('a', 45)] },
        /MetricDataQueries\.1\.MetricStat\.Period must be 1, 5, 10, 20, 30 or a multiple of 60 seconds, got 45/,
      ],
      ['an end not after the start', { StartTime: end, EndTime: start, MetricDataQueries: [query('a')] }, /EndTime must be after StartTime/],
    ])('refuses %s', async (_what, input, message) => {
      await expect(new LocalCloudWatch(60).send(new GetMetricDataCommand(input))).rejects.toMatchObject({
        name: 'ValidationError',
        message: expect.stringMatching(message),
      });
    });
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

  describe('with a controlled clock', () => {
    const AT = Date.UTC(2026, 10, 22, 10, 0, 0); // a minute boundary
    const alarm: PutMetricAlarmCommandInput = {
      AlarmName: 'errors',
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: dimensions,
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    };
    const stateAt = async (cw: LocalCloudWatch, at: number) => {
      jest.setSystemTime(at);
      const out = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['errors'] }))) as { MetricAlarms: { StateValue: string }[] };
      return out.MetricAlarms[0]?.StateValue;
    };
    beforeEach(() => jest.useFakeTimers({ now: AT, doNotFake: ['nextTick', 'setImmediate'] }));
    afterEach(() => jest.useRealTimers());

    it('evaluates periods aligned to minute boundaries, and changes state only at an evaluation instant', async () => {
      const cw = new LocalCloudWatch(1);
      await cw.send(new PutMetricAlarmCommand(alarm));
      jest.setSystemTime(AT + 30_000);
      cw.record('AWS/Lambda', 'Errors', dims, 1);

      // 10:00:45: the period 10:00–10:01 has not ended; the last evaluation (10:00) saw none of it.
      expect(await stateAt(cw, AT + 45_000)).toBe('OK');
      // 10:01:00: the period that holds the error has ended.
      expect(await stateAt(cw, AT + 60_000)).toBe('ALARM');
      // 10:01:59: a sliding minute would have lost the error; CloudWatch evaluates again at 10:02 only.
      expect(await stateAt(cw, AT + 119_000)).toBe('ALARM');
      // The evaluation range (3 periods for 1) keeps the last datapoint until 10:04, when it leaves it.
      expect(await stateAt(cw, AT + 180_000)).toBe('ALARM');
      expect(await stateAt(cw, AT + 240_000)).toBe('OK');
    });

    it('finds a metric by its whole set of dimensions only, as CloudWatch does', async () => {
      const cw = new LocalCloudWatch(1);
      await cw.send(new PutMetricAlarmCommand({ ...alarm, Dimensions: [{ Name: 'FunctionName', Value: 'svc' }], TreatMissingData: 'missing' }));
      jest.setSystemTime(AT + 30_000);
      cw.record('AWS/Lambda', 'Errors', dims, 1);
      expect(await stateAt(cw, AT + 60_000)).toBe('INSUFFICIENT_DATA');
      cw.record('AWS/Lambda', 'Errors', { FunctionName: 'svc' }, 1);
      expect(await stateAt(cw, AT + 120_000)).toBe('ALARM');
    });

    it.each([
      ['a 45 s period', { Period: 45 }, /Period must be 10, 20, 30 or a multiple of 60 seconds, got 45/],
      ['no evaluation periods', { EvaluationPeriods: 0 }, /EvaluationPeriods must be at least 1, got 0/],
      [
        'more datapoints to alarm than evaluation periods',
        { EvaluationPeriods: 2, DatapointsToAlarm: 3 },
        /DatapointsToAlarm must be within 1..EvaluationPeriods \(2\), got 3/,
      ],
      ['1441 periods of a minute', { Period: 60, EvaluationPeriods: 1441 }, /Period × EvaluationPeriods must be at most 86400 seconds/],
      ['an unknown TreatMissingData', { TreatMissingData: 'zero' }, /TreatMissingData must be one of missing, ignore, breaching, notBreaching, got zero/],
      [
        '169 periods of an hour',
        { Period: 3_600, EvaluationPeriods: 169 },
        /Period × EvaluationPeriods must be at most 604800 seconds for a 3600 s period, got 608400/,
      ],
      ['an AlarmName of 256 characters', { AlarmName: 'a'.repeat(256) }, /AlarmName must be 1–255 characters, got 256/],
      ['an AlarmDescription of 1025 characters', { AlarmDescription: 'd'.repeat(1025) }, /AlarmDescription must be at most 1024 characters, got 1025/],
      ['an infinite Threshold', { Threshold: Number.POSITIVE_INFINITY }, /Threshold must be a finite number, got Infinity/],
      ['a NaN Threshold', { Threshold: Number.NaN }, /Threshold must be a finite number, got NaN/],
      ['a Namespace of 256 characters', { Namespace: 'n'.repeat(256) }, /Namespace must be 1–255 characters, got 256/],
      ['a Namespace starting with a colon', { Namespace: ':Lambda' }, /Namespace must not start with a colon/],
      ['an empty MetricName', { MetricName: '' }, /MetricName must be 1–255 characters, got 0/],
      ['both Statistic and ExtendedStatistic', { Statistic: 'Sum', ExtendedStatistic: 'p99' }, /Statistic or ExtendedStatistic, not both/],
      [
        '31 dimensions',
        { Dimensions: Array.from({ length: 31 }, (_, i) => ({ Name: `D${i}`, Value: 'v' })) },
        /Dimensions must hold at most 30 dimensions, got 31/,
      ],
      ['a dimension name of 256 characters', { Dimensions: [{ Name: 'd'.repeat(256), Value: 'v' }] }, /Dimensions\.1\.Name must be 1–255 characters, got 256/],
      ['a dimension name starting with a colon', { Dimensions: [{ Name: ':FunctionName', Value: 'svc' }] }, /Dimensions\.1\.Name must not start with a colon/],
      [
        'a dimension value of 1025 characters',
        { Dimensions: [{ Name: 'FunctionName', Value: 'v'.repeat(1025) }] },
        /Dimensions\.1\.Value must be 1–1024 characters, got 1025/,
      ],
      ['a blank dimension value', { Dimensions: [{ Name: 'FunctionName', Value: ' ' }] }, /Dimensions\.1\.Value must hold a non-whitespace character/],
      ['a dimension value that is not ASCII', { Dimensions: [{ Name: 'FunctionName', Value: 'café' }] }, /Dimensions\.1\.Value must be printable ASCII/],
      [
        'metric math with a 45 s period in its second query',
        {
          Namespace: undefined,
          MetricName: undefined,
          Dimensions: undefined,
          Statistic: undefined,
          Period: undefined,
          Metrics: [
            {
              Id: 'errors',
              ReturnData: false,
              MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: dimensions }, Period: 60, Stat: 'Sum' },
            },
            {
              Id: 'invocations',
              ReturnData: false,
              MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: dimensions }, Period: 45, Stat: 'Sum' },
            },
            { Id: 'rate', ReturnData: true, Expression: '100 * errors / invocations' },
          ],
        },
        /Metrics\.2\.MetricStat\.Period must be 10, 20, 30 or a multiple of 60 seconds, got 45/,
      ],
      [
        'metric math with a metric name of 256 characters',
        {
          Namespace: undefined,
          MetricName: undefined,
          Dimensions: undefined,
          Statistic: undefined,
          Period: undefined,
          Metrics: [
            { Id: 'errors', ReturnData: true, MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'm'.repeat(256) }, Period: 60, Stat: 'Sum' } },
          ],
        },
        /Metrics\.1\.MetricStat\.Metric\.MetricName must be 1–255 characters, got 256/,
      ],
    ] as [string, Partial<PutMetricAlarmCommandInput>, RegExp][])('refuses PutMetricAlarm with %s, as CloudWatch does', async (_what, change, message) => {
      const cw = new LocalCloudWatch(1);
      await expect(cw.send(new PutMetricAlarmCommand({ ...alarm, ...change }))).rejects.toMatchObject({
        name: 'ValidationError',
        message: expect.stringMatching(message),
      });
      await expect(cw.send(new DescribeAlarmsCommand({ AlarmNames: ['errors'] }))).resolves.toEqual({ MetricAlarms: [] });
    });

    it('keeps an alarm it cannot evaluate in its state with the reason, and goes on evaluating the others', async () => {
      const cw = new LocalCloudWatch(1);
      await cw.send(new PutMetricAlarmCommand({ ...alarm, AlarmName: 'trimmed', Statistic: undefined, ExtendedStatistic: 'tm99' }));
      await cw.send(new PutMetricAlarmCommand(alarm));
      jest.setSystemTime(AT + 30_000);
      cw.record('AWS/Lambda', 'Errors', dims, 1);
      cw.startEvaluating(1_000);
      jest.advanceTimersByTime(60_000);
      cw.stopEvaluating();
      const out = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['trimmed', 'errors'] }))) as {
        MetricAlarms: { AlarmName: string; StateValue: string; StateReason: string }[];
      };
      expect(out.MetricAlarms.map((a) => [a.AlarmName, a.StateValue, a.StateReason])).toEqual([
        ['trimmed', 'INSUFFICIENT_DATA', 'Evaluation error: LocalCloudWatch does not support the statistic tm99'],
        [
          'errors',
          'ALARM',
          expect.stringMatching(/^Threshold Crossed: 1 out of the last 1 datapoint \[1\.0 \(22\/11\/26 10:00:00\)\] was greater than the threshold/),
        ],
      ]);
    });

    it('keeps one aggregate per metric and minute however many values are recorded, and forgets them after 15 days', async () => {
      const cw = new LocalCloudWatch(1);
      for (let i = 0; i < 20_000; i++) {
        jest.setSystemTime(AT + (i % 120) * 1_000); // two minutes of traffic
        cw.record('AWS/Lambda', 'Duration', dims, i % 500);
      }
      expect(cw.storedBuckets).toBe(2);
      const out = (await cw.send(
        new GetMetricDataCommand({
          StartTime: new Date(AT),
          EndTime: new Date(AT + 120_000),
          MetricDataQueries: [
            { Id: 'n', MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Duration', Dimensions: dimensions }, Period: 120, Stat: 'SampleCount' } },
            { Id: 'max', MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Duration', Dimensions: dimensions }, Period: 120, Stat: 'Maximum' } },
            { Id: 'p50', MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Duration', Dimensions: dimensions }, Period: 120, Stat: 'p50' } },
          ],
        }),
      )) as { MetricDataResults: { Id: string; Values: number[] }[] };
      const [n, max, p50] = out.MetricDataResults.map((r) => r.Values[0] ?? Number.NaN);
      expect([n, max]).toEqual([20_000, 499]);
      expect(Math.abs(p50 - 249) / 249).toBeLessThanOrEqual(0.01);
      jest.setSystemTime(AT + 15 * 86_400_000 + 120_000);
      cw.record('AWS/Lambda', 'Duration', dims, 1);
      expect(cw.storedBuckets).toBe(1);
    });
  });
});
