import { GetMetricDataCommand, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { VersionStats } from '../core/observations';
import type { MetricsReader } from '../core/ports';
import type { AwsClient } from './aws-client';

/**
 * A canary step's observation from CloudWatch: one GetMetricData call (paginated) with, per
 * version, Invocations, Errors (Sum) and Duration (p99) by FunctionName, Resource (`fn:alias`) and
 * ExecutedVersion — each version's own traffic through the alias — and the alias's Throttles.
 * The period covers the whole window (rounded up to a minute, as GetMetricData requires for
 * periods over a minute); if CloudWatch still returns several datapoints, sums are added and the
 * p99 is their maximum (an upper bound). Throttles have no ExecutedVersion (no version ran the
 * request): every version is given the alias's count.
 */
export class CloudWatchMetricsReader implements MetricsReader {
  constructor(private readonly cloudwatch: AwsClient) {}

  async versionStats(functionName: string, alias: string, versions: readonly string[], from: Date, to: Date): Promise<Record<string, VersionStats>> {
    // GetMetricData refuses an EndTime not after the StartTime; an empty window has no data anyway.
    if (to.getTime() <= from.getTime()) {
      return Object.fromEntries(versions.map((v) => [v, { requests: 0, errors: 0, throttles: 0, errorRatePercent: null, p99Ms: null }]));
    }
    const period = Math.max(60, Math.ceil((to.getTime() - from.getTime()) / 60_000) * 60);
    const dims = [
      { Name: 'FunctionName', Value: functionName },
      { Name: 'Resource', Value: `${functionName}:${alias}` },
    ];
    const query = (id: string, metric: string, stat: string, version?: string): MetricDataQuery => ({
      Id: id,
      ReturnData: true,
      MetricStat: {
        Metric: { Namespace: 'AWS/Lambda', MetricName: metric, Dimensions: version ? [...dims, { Name: 'ExecutedVersion', Value: version }] : dims },
        Period: period,
        Stat: stat,
      },
    });
    const queries: MetricDataQuery[] = [
      query('throttles', 'Throttles', 'Sum'),
      ...versions.flatMap((v, i) => [query(`inv${i}`, 'Invocations', 'Sum', v), query(`err${i}`, 'Errors', 'Sum', v), query(`p99_${i}`, 'Duration', 'p99', v)]),
    ];
    const results: Record<string, number[]> = {};
    let nextToken: string | undefined;
    do {
      const out = await this.cloudwatch.send(new GetMetricDataCommand({ StartTime: from, EndTime: to, MetricDataQueries: queries, NextToken: nextToken }));
      for (const r of out.MetricDataResults ?? ([] as MetricDataResult[])) {
        const id = r.Id ?? '';
        results[id] = [...(results[id] ?? []), ...(r.Values ?? [])];
      }
      nextToken = out.NextToken;
    } while (nextToken);
    const sum = (id: string) => (results[id] ?? []).reduce((a, b) => a + b, 0);
    const throttles = sum('throttles');
    return Object.fromEntries(
      versions.map((v, i) => {
        const requests = sum(`inv${i}`);
        const errors = sum(`err${i}`);
        const p99 = results[`p99_${i}`] ?? [];
        return [
          v,
          {
            requests,
            errors,
            throttles,
            errorRatePercent: requests > 0 ? (100 * errors) / requests : null,
            p99Ms: requests > 0 && p99.length > 0 ? Math.max(...p99) : null,
          },
        ];
      }),
    );
  }
}
