import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateAliasCommand, CreateFunctionCommand, InvokeCommand, PublishVersionCommand } from '@aws-sdk/client-lambda';
import { zipSource } from '../../lambdas/core/artifact';
import { LocalCloudWatch } from '../../lib/local/cloudwatch';
import { LocalLambda } from '../../lib/local/lambda';

const CODE = zipSource({ 'index.js': new TextEncoder().encode('exports.handler = async () => "ok";') });

/** The metrics the local Lambda host publishes for an invocation through an alias: one metric per dimension set Lambda publishes. */
describe('LocalLambda metrics', () => {
  let root: string;
  let lambda: LocalLambda;
  let cloudwatch: LocalCloudWatch;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'cmv-lambda-metrics-'));
    cloudwatch = new LocalCloudWatch(60);
    lambda = new LocalLambda(root, cloudwatch);
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'svc', Handler: 'index.handler', Role: 'r', Code: { ZipFile: CODE } }));
    await lambda.send(new PublishVersionCommand({ FunctionName: 'svc' }));
    await lambda.send(new CreateAliasCommand({ FunctionName: 'svc', Name: 'live', FunctionVersion: '1' }));
  });
  afterEach(async () => {
    await lambda.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('records Invocations by function, by alias, and by alias and executed version', async () => {
    const from = new Date();
    await lambda.send(new InvokeCommand({ FunctionName: 'svc', Qualifier: 'live' }));
    const sets = [{ FunctionName: 'svc' }, { FunctionName: 'svc', Resource: 'svc:live' }, { FunctionName: 'svc', Resource: 'svc:live', ExecutedVersion: '1' }];
    const out = (await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: from,
        EndTime: new Date(Date.now() + 1),
        MetricDataQueries: sets.map((d, i) => ({
          Id: `q${i}`,
          MetricStat: {
            Metric: { Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: Object.entries(d).map(([Name, Value]) => ({ Name, Value })) },
            Period: 60,
            Stat: 'Sum',
          },
        })),
      }),
    )) as { MetricDataResults: { Values: number[] }[] };
    expect(out.MetricDataResults.map((r) => r.Values.reduce((a, b) => a + b, 0))).toEqual([1, 1, 1]);
  });
});
