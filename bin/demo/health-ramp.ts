import { join } from 'node:path';
import { readChangeFile } from '../../lib/client/change-file';
import { ROOT } from '../../lib/local/runtime';
import { type DemoContext, follow, say } from './context';

/**
 * The health-driven ramp: two config-only changes on a ramp (30 %, then +40 % while healthy), each
 * step judged by the target's health limits — the new version against absolute limits and against
 * the old version over the same window. The first is healthy and reaches 100 %; the second makes
 * the (simulated) wage-records look-up take 600 ms and is rolled back for its latency alone: no
 * request fails, so no error alarm would ever have stopped it.
 */

const EXAMPLE = join(ROOT, 'examples', 'benefit-calculator');
const CONFIG = { MAX_WEEKLY_BENEFIT: '1120', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '30' };
const RAMP = { ramp: { start: 30, increment: 40 }, bakeSeconds: 60 };
const CHANGES = [
  { title: 'Wage records from the new read replica (health-driven ramp)', config: { ...CONFIG, WAGE_RECORDS_LATENCY_MS: '0' }, expect: 'deployed' },
  {
    title: 'Wage records from the mainframe gateway: correct answers, 600 ms each (health-driven ramp)',
    config: { ...CONFIG, WAGE_RECORDS_LATENCY_MS: '600' },
    expect: 'rolled_back',
  },
] as const;

export default async function healthRamp(ctx: DemoContext): Promise<void> {
  console.log('\n── Health-driven ramp: each step judged against the limits and against the old version');
  const base = await readChangeFile(join(EXAMPLE, 'changes', '1.1.0-seasonal-bonus.json'));
  for (const c of CHANGES) {
    const proposed = await ctx.api.propose({
      ...base,
      version: undefined,
      baseVersion: undefined,
      code: undefined,
      title: c.title,
      config: c.config,
      canary: RAMP,
    });
    console.log(`\n── ${proposed.version}: ${c.title}`);
    const { plan } = await ctx.api.change(proposed.changeId);
    const h = plan.canary.health;
    say(
      `alice proposed it: ramp ${plan.canary.steps.join(' → ')} % (start 30, +40 while healthy); healthy = error rate ≤ ${h?.maxErrorRatePercent} %, p99 ≤ ${h?.maxP99Ms} ms, p99 ≤ ${h?.maxP99Ratio} × the old version's, errors not significantly above the old version's (Fisher, p < ${h?.significance}), at least ${h?.minRequests} requests`,
    );
    const final = await follow(ctx.api, proposed.changeId, ctx.runtime.sns.messages, ctx.traffic, ['bob', 'carol']);
    const last = final.deployment?.history.at(-1);
    for (const comparison of last?.health?.comparisons ?? [])
      say(`    ${comparison.result === 'fail' ? '✗' : comparison.result === 'pass' ? '✓' : '–'} ${comparison.text}`);
    ctx.results.push({ version: proposed.version, status: final.status, expect: c.expect });
    if (final.status !== c.expect) ctx.failures.push(`${proposed.version} ended ${final.status}, expected ${c.expect}`);
    if (c.expect === 'rolled_back' && !/^unhealthy at 30%: p99 \d+ ms > 400 ms/.test(final.reason ?? ''))
      ctx.failures.push(`${proposed.version} was not rolled back for its p99 at 30 %: ${final.reason}`);
  }
}
