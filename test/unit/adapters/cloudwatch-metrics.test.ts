import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchMetricsReader } from '../../../lambdas/adapters/cloudwatch-metrics';

const cwMock = mockClient(CloudWatchClient);
const client = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const from = new Date('2026-11-22T10:00:00Z');
const to = new Date('2026-11-22T10:04:30Z');

describe('CloudWatchMetricsReader.versionStats()', () => {
  beforeEach(() => cwMock.reset());

  it('asks for each version’s own invocations, errors and p99 through the alias, over one period covering the window', async () => {
    cwMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    await new CloudWatchMetricsReader(client).versionStats('fn', 'live', ['3', '4'], from, to);

    const input = cwMock.commandCalls(GetMetricDataCommand)[0].args[0].input;
    expect(input).toMatchObject({ StartTime: from, EndTime: to });
    expect(input.MetricDataQueries?.map((q) => [q.Id, q.MetricStat?.Metric?.MetricName, q.MetricStat?.Stat, q.MetricStat?.Period])).toEqual([
      ['throttles', 'Throttles', 'Sum', 300],
      ['inv0', 'Invocations', 'Sum', 300],
      ['err0', 'Errors', 'Sum', 300],
      ['p99_0', 'Duration', 'p99', 300],
      ['inv1', 'Invocations', 'Sum', 300],
      ['err1', 'Errors', 'Sum', 300],
      ['p99_1', 'Duration', 'p99', 300],
    ]);
    expect(input.MetricDataQueries?.[4].MetricStat?.Metric?.Dimensions).toEqual([
      { Name: 'FunctionName', Value: 'fn' },
      { Name: 'Resource', Value: 'fn:live' },
      { Name: 'ExecutedVersion', Value: '4' },
    ]);
  });

  it('adds the pages and datapoints up, takes the highest p99, and gives null rates to a version without requests', async () => {
    cwMock
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'inv0', Values: [90, 10] },
          { Id: 'err0', Values: [1] },
          { Id: 'p99_0', Values: [120, 180] },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'err0', Values: [1] },
          { Id: 'throttles', Values: [2] },
        ],
      });

    const stats = await new CloudWatchMetricsReader(client).versionStats('fn', 'live', ['3', '4'], from, to);

    expect(cwMock.commandCalls(GetMetricDataCommand)[1].args[0].input.NextToken).toBe('page-2');
    expect(stats).toEqual({
      '3': { requests: 100, errors: 2, throttles: 2, errorRatePercent: 2, p99Ms: 180 },
      '4': { requests: 0, errors: 0, throttles: 2, errorRatePercent: null, p99Ms: null },
    });
  });

  it('does not ask CloudWatch about an empty window (GetMetricData refuses an end not after the start): no data', async () => {
    const stats = await new CloudWatchMetricsReader(client).versionStats('fn', 'live', ['3'], from, from);

    expect(cwMock.commandCalls(GetMetricDataCommand)).toHaveLength(0);
    expect(stats).toEqual({ '3': { requests: 0, errors: 0, throttles: 0, errorRatePercent: null, p99Ms: null } });
  });
});
