import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import type { Change } from '../lambdas/core/change';
import { CmvClient } from '../lib/client/api-client';
import { ROOT, startLocalRuntime } from '../lib/local/runtime';

/**
 * `npm run bench`: how long from an alarm's move to ALARM until the alias serves only the old
 * version again (issue #4, event-driven rollback), on the local stack.
 *
 * Each trial deploys a config-only change whose new version fails every request (a malformed
 * MAX_WEEKLY_BENEFIT stops its cold start) with a long bake, under live traffic; the error-rate
 * alarm fires and the alarm handler rolls back. Two measures per trial, both from the alarm's
 * state-change timestamp:
 * - recorded: to `restoredAt` of the ChangeRolledBack ledger entry (the alias update returned);
 * - observed: to the first time this process, polling GetAlias every ~1 ms, saw the alias off the new version.
 * The trigger must be `alarm` (the event), not the workflow's own check after a bake slice.
 *
 * Environment: BENCH_TRIALS (default 5), BENCH_SPEED (default 60: a 60 s alarm period lasts 1 s).
 * Exits 1 when a trial did not roll back by the alarm's event.
 */

const TRIALS = Number(process.env.BENCH_TRIALS ?? 5);
const SPEED = Number(process.env.BENCH_SPEED ?? 60);
const EXAMPLE = join(ROOT, 'examples', 'benefit-calculator');
const TARGET = 'benefit-calculator';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Trial {
  readonly version: string;
  readonly trigger: string;
  readonly recordedMs: number;
  readonly observedMs: number;
}

async function main(): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cmv-bench-'));
  // The example target without smoke tests: they would stop the broken version before any traffic, and no alarm would fire.
  const target = JSON.parse(await readFile(join(EXAMPLE, 'target.json'), 'utf8'));
  await writeFile(join(dataDir, 'target.json'), JSON.stringify({ ...target, source: join(EXAMPLE, target.source), smokeTests: [] }));
  const runtime = await startLocalRuntime({ dataDir: join(dataDir, 'state'), port: 0, speed: SPEED, inMemory: true, targets: [join(dataDir, 'target.json')] });
  const api = new CmvClient(runtime.url, { user: 'alice' });
  const claims = JSON.parse(await readFile(join(EXAMPLE, 'traffic', 'claims.json'), 'utf8')) as unknown[];
  let traffic = true;
  const callers = Array.from({ length: 3 }, async (_, i) => {
    for (let n = i; traffic; n += 3) {
      await api.invoke(TARGET, claims[n % claims.length]).catch(() => undefined);
      await sleep(5);
    }
  });
  const trials: Trial[] = [];
  try {
    for (let i = 1; i <= TRIALS; i++) trials.push(await trial(api, runtime, i));
  } finally {
    traffic = false;
    await Promise.all(callers);
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  console.log(`alarm → rollback latency, local stack (speed ${SPEED}, ${TRIALS} trials)\n`);
  console.log('version  trigger  recorded ms  observed ms');
  for (const t of trials)
    console.log(`${t.version.padEnd(8)} ${t.trigger.padEnd(8)} ${String(t.recordedMs).padStart(11)}  ${String(t.observedMs).padStart(11)}`);
  for (const key of ['recordedMs', 'observedMs'] as const) {
    const sorted = trials.map((t) => t[key]).sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    console.log(`${key.replace('Ms', '').padEnd(9)} median ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${sorted[sorted.length - 1]} ms`);
  }
  const notByEvent = trials.filter((t) => t.trigger !== 'alarm');
  if (notByEvent.length > 0) console.error(`\n${notByEvent.length} trial(s) were not rolled back by the alarm's event`);
  return notByEvent.length > 0 ? 1 : 0;
}

async function trial(api: CmvClient, runtime: Awaited<ReturnType<typeof startLocalRuntime>>, i: number): Promise<Trial> {
  const version = `1.0.${i}`;
  const { changeId } = await api.propose({
    target: TARGET,
    version,
    title: `Broken maximum benefit ${i}`,
    description: 'A config-only change whose new version cannot start: every request fails.',
    changeType: 'standard',
    riskLevel: 'medium',
    config: { MAX_WEEKLY_BENEFIT: '-1', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
    // A long bake: the rollback has to come from the alarm's event, not from the end of the step.
    canary: { steps: [50, 100], bakeSeconds: 3600 },
  });
  await until(api, changeId, (c) => c.status === 'awaiting_approval');
  const link = await approvalLink(runtime, changeId);
  await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve&comment=bench' });
  const deploying = await until(api, changeId, (c) => (c.deployment?.currentWeight ?? 0) > 0);
  const newVersion = deploying.deployment?.toFunctionVersion ?? '';
  // Watch the alias from outside until it no longer routes to the new version.
  let backAt = 0;
  while (!backAt) {
    const alias = await runtime.lambda.send(new GetAliasCommand({ FunctionName: TARGET, Name: 'live' }));
    const a = alias as { FunctionVersion?: string; RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> } };
    if (a.FunctionVersion !== newVersion && !a.RoutingConfig?.AdditionalVersionWeights?.[newVersion]) backAt = Date.now();
    else await sleep(1);
  }
  const done = await until(api, changeId, (c) => c.status !== 'deploying');
  if (done.status !== 'rolled_back') throw new Error(`change ${version} ended ${done.status}: ${done.reason}`);
  const entry = (await api.audit({ changeId, type: 'ChangeRolledBack' }, 'erin')).items[0];
  const details = entry.details as { trigger?: string; alarmAt?: string; restoredAt?: string };
  const alarmAt = Date.parse(details.alarmAt ?? entry.time);
  return {
    version,
    trigger: details.trigger ?? 'unknown',
    recordedMs: Date.parse(details.restoredAt ?? entry.time) - alarmAt,
    observedMs: backAt - alarmAt,
  };
}

async function until(api: CmvClient, changeId: string, ok: (c: Change) => boolean, timeoutMs = 120_000): Promise<Change> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await api.change(changeId);
    if (ok(c)) return c;
    if (Date.now() > deadline) throw new Error(`change ${changeId} is ${c.status} after ${timeoutMs} ms`);
    await sleep(20);
  }
}

async function approvalLink(runtime: Awaited<ReturnType<typeof startLocalRuntime>>, changeId: string): Promise<string> {
  for (let i = 0; i < 500; i++) {
    const mail = runtime.sns.messages.find((m) => m.to === 'bob@example.org' && m.text.includes(changeId));
    const link = mail?.text.match(/https?:\/\/\S+\/approvals\/\S+/)?.[0];
    if (link) return link;
    await sleep(20);
  }
  throw new Error(`no approval e-mail for ${changeId}`);
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
