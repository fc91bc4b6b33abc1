import { DDSketch } from '@datadog/sketches-js';

/** A metric as CloudWatch identifies it: namespace, name and its whole set of dimensions. */
export interface MetricId {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** What one bucket keeps of the values recorded in it: enough for every statistic, whatever their number. */
interface Aggregate {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Percentiles within {@link RELATIVE_ACCURACY} of the value; bounded in size, not in the number of values. */
  readonly sketch: DDSketch;
}

/** Percentiles are answered within 1 % of the true value (DDSketch's guarantee), exact at the minimum and maximum. */
const RELATIVE_ACCURACY = 0.01;

/**
 * The local CloudWatch's metric storage: each metric's values aggregated per bucket of
 * `resolutionMs` (CloudWatch keeps standard-resolution metrics, such as Lambda's, per minute),
 * kept `retentionMs` after their bucket (CloudWatch: 15 days for 1-minute data). Memory and query
 * time grow with the buckets that had data, never with the number of values recorded.
 *
 * A query matches a metric by its whole set of dimensions, as CloudWatch does: a metric recorded
 * with {FunctionName, Resource} is not found by {FunctionName} alone.
 */
export class MetricStore {
  private readonly series = new Map<string, Map<number, Aggregate>>();

  constructor(
    private readonly resolutionMs: number,
    private readonly retentionMs: number,
  ) {}

  /** Adds `value` to its metric's bucket at `at` (epoch ms), and drops that metric's buckets past retention. */
  record(metric: MetricId, value: number, at: number): void {
    const key = seriesKey(metric);
    let buckets = this.series.get(key);
    if (!buckets) {
      buckets = new Map();
      this.series.set(key, buckets);
    }
    const bucketAt = Math.floor(at / this.resolutionMs) * this.resolutionMs;
    let agg = buckets.get(bucketAt);
    if (!agg) {
      agg = { count: 0, sum: 0, min: value, max: value, sketch: new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY }) };
      buckets.set(bucketAt, agg);
    }
    agg.count++;
    agg.sum += value;
    agg.min = Math.min(agg.min, value);
    agg.max = Math.max(agg.max, value);
    agg.sketch.accept(value);
    // Buckets are created in time order, so the expired ones are at the start of the map.
    for (const [t] of buckets) {
      if (t >= bucketAt - this.retentionMs) break;
      buckets.delete(t);
    }
  }

  /**
   * The statistic over the buckets whose timestamps fall in [from, to), or undefined when none has
   * data. `stat`: Sum, Average, Minimum, Maximum, SampleCount or a percentile `pNN` / `pNN.N`
   * (nearest rank).
   * @throws Error for any other statistic
   */
  statistic(metric: MetricId, stat: string, from: number, to: number): number | undefined {
    const percentile = /^p(\d+(?:\.\d+)?)$/.exec(stat);
    if (!percentile && !['Sum', 'Average', 'Minimum', 'Maximum', 'SampleCount'].includes(stat)) {
      throw new Error(`LocalCloudWatch does not support the statistic ${stat}`);
    }
    const buckets = this.series.get(seriesKey(metric));
    if (!buckets) return undefined;
    const found: Aggregate[] = [];
    for (let t = Math.ceil(from / this.resolutionMs) * this.resolutionMs; t < to; t += this.resolutionMs) {
      const agg = buckets.get(t);
      if (agg) found.push(agg);
    }
    if (found.length === 0) return undefined;
    const count = found.reduce((n, a) => n + a.count, 0);
    const sum = found.reduce((n, a) => n + a.sum, 0);
    const min = Math.min(...found.map((a) => a.min));
    const max = Math.max(...found.map((a) => a.max));
    if (stat === 'Sum') return sum;
    if (stat === 'Average') return sum / count;
    if (stat === 'Minimum') return min;
    if (stat === 'Maximum') return max;
    if (stat === 'SampleCount') return count;
    const rank = Math.min(count, Math.max(1, Math.ceil((Number(percentile?.[1]) / 100) * count)));
    if (rank === count) return max;
    if (rank === 1) return min;
    const merged = new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY });
    for (const a of found) merged.merge(a.sketch);
    // DDSketch ranks from 0 over count - 1: this quantile lands on the rank-th smallest value.
    return Math.min(max, Math.max(min, merged.getValueAtQuantile((rank - 1) / (count - 1))));
  }

  /** How many buckets are stored, over all metrics. */
  get bucketCount(): number {
    let n = 0;
    for (const buckets of this.series.values()) n += buckets.size;
    return n;
  }
}

function seriesKey(metric: MetricId): string {
  const dims = Object.entries(metric.dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([metric.namespace, metric.name, dims]);
}
