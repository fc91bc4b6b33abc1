import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { alarmDefinitions } from '../lambdas/core/alarm-definitions';
import { LocalCloudWatch } from '../lib/local/cloudwatch';

/**
 * `npm run bench:cloudwatch`: what an idle local CloudWatch costs after serving many
 * invocations (issue #10, "Costs that do not grow with history"). For each count, a fresh
 * LocalCloudWatch at speed 60 (a minute per second) records that many invocations the way the
 * Lambda host does (Invocations, Errors, Duration by three dimension sets), arms the example
 * target's alarms (error rate as metric math, p99 latency, throttles), then evaluates continuously
 * while idle for BENCH_IDLE_MS (default 3000); the CPU it used is printed as a share of one core,
 * with the buckets stored. Both must stay flat as the count grows. Printed as a table and as JSON.
 */

const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 3_000);
const COUNTS = [0, 20_000, 100_000];
const SPEED = 60;

async function idleCost(invocations: number): Promise<{ invocations: number; cpuPercent: number; buckets: number }> {
  const cw = new LocalCloudWatch(SPEED);
  const base = { FunctionName: 'benefit-calculator' };
  const sets = [base, { ...base, Resource: 'benefit-calculator:live' }, { ...base, Resource: 'benefit-calculator:live', ExecutedVersion: '2' }];
  for (let i = 0; i < invocations; i++) {
    for (const d of sets) {
      cw.record('AWS/Lambda', 'Invocations', d, 1);
      cw.record('AWS/Lambda', 'Errors', d, i % 50 === 0 ? 1 : 0);
      cw.record('AWS/Lambda', 'Duration', d, 20 + (i % 97));
    }
  }
  const subject = { target: 'benefit-calculator', functionName: 'benefit-calculator', alias: 'live', functionVersion: '2' };
  const settings = { errorRatePercent: 5, periodSeconds: 60, evaluationPeriods: 1, minimumRequests: 5, p99LatencyMs: 500, throttles: 0, custom: [] };
  for (const d of alarmDefinitions(subject, settings)) await cw.send(new PutMetricAlarmCommand(d));
  // The recording's garbage is not the idle cost: collect it first when node runs with --expose-gc.
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.cpuUsage();
  const started = performance.now();
  cw.startEvaluating();
  await new Promise((r) => setTimeout(r, IDLE_MS));
  cw.stopEvaluating();
  const used = process.cpuUsage(before);
  const elapsed = performance.now() - started;
  return { invocations, cpuPercent: Number((((used.user + used.system) / 1000 / elapsed) * 100).toFixed(1)), buckets: cw.storedBuckets };
}

async function main(): Promise<void> {
  // Warm-up, not measured: the first metric-math expression loads mathjs (a third of a second of CPU).
  const warm = new LocalCloudWatch(SPEED);
  warm.record('Bench', 'X', {}, 1);
  await warm.send(
    new PutMetricAlarmCommand({
      AlarmName: 'warm',
      Metrics: [
        { Id: 'x', ReturnData: false, MetricStat: { Metric: { Namespace: 'Bench', MetricName: 'X' }, Period: 60, Stat: 'Sum' } },
        { Id: 'e', Expression: 'x * 1' },
      ],
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    }),
  );
  await new Promise((r) => setTimeout(r, 1_100));
  warm.evaluate('warm');
  const rows = [];
  for (const n of COUNTS) rows.push(await idleCost(n));
  console.log(`idle local CloudWatch after n invocations (speed ${SPEED}, ${IDLE_MS} ms idle, evaluating continuously)\n`);
  console.log('invocations  idle CPU %  stored buckets');
  for (const r of rows) console.log(`${String(r.invocations).padStart(11)}  ${String(r.cpuPercent).padStart(10)}  ${String(r.buckets).padStart(14)}`);
  console.log(`\n${JSON.stringify(rows)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
