import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import type { Change } from '../lambdas/core/change';
import { CmvClient } from '../lib/client/api-client';
import { invokePacer } from '../lib/client/invoke-pacer';
import { ROOT, startLocalRuntime } from '../lib/local/runtime';

/**
 * `npm run bench`: how long from an alarm's move to ALARM until the alias serves only the old
 * version again (issue #4, event-driven rollback), on the local stack.
 *
 * Each trial deploys a config-only change whose new version fails every request (a malformed
 * MAX_WEEKLY_BENEFIT stops its cold start) with an hour's bake. Once the alias routes 50 % to it,
 * dana (release admin) pauses the canary, and only when the workflow holds it (AwaitResume) does
 * live traffic start; the error-rate alarm fires and the alarm handler rolls back. The pause is
 * what makes the trigger certain: the workflow's own check also reads the alarms when a bake ends
 * and would roll back by itself when it happens to look first, but a held canary is not checked
 * until something wakes it — so the rollback can only come from the alarm's event.
 * The measured path does not depend on the pause: the alarm evaluator → the bus → the rule → the
 * alarm handler → UpdateAlias, as for a canary that bakes. Two measures per trial, both from the
 * alarm's state-change timestamp:
 * - recorded: to `restoredAt` of the ChangeRolledBack ledger entry (the alias update returned);
 * - observed: to the first time this process, polling GetAlias every ~1 ms, saw the alias off the new version.
 * The trigger must be `alarm` (the event); anything else is a defect.
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
  const trials: Trial[] = [];
  try {
    for (let i = 1; i <= TRIALS; i++) trials.push(await trial(api, runtime, claims, i));
  } finally {
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

/** Live traffic as alice from three loops, paced under the invoke route's throttle, until the returned stop() is called. */
function liveTraffic(api: CmvClient, claims: readonly unknown[]): () => Promise<void> {
  let running = true;
  const pacer = invokePacer();
  const callers = Array.from({ length: 3 }, async (_, i) => {
    for (let n = i; running; n += 3) {
      await pacer.removeTokens(1);
      if (running) await api.invoke(TARGET, claims[n % claims.length]);
    }
  });
  return async () => {
    running = false;
    await Promise.all(callers);
  };
}

async function trial(api: CmvClient, runtime: Awaited<ReturnType<typeof startLocalRuntime>>, claims: readonly unknown[], i: number): Promise<Trial> {
  const version = `1.0.${i}`;
  const { changeId } = await api.propose({
    target: TARGET,
    version,
    title: `Broken maximum benefit ${i}`,
    description: 'A config-only change whose new version cannot start: every request fails.',
    changeType: 'standard',
    riskLevel: 'medium',
    config: { MAX_WEEKLY_BENEFIT: '-1', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
    // A long bake: the step does not end by itself while the trial runs.
    canary: { steps: [50, 100], bakeSeconds: 3600 },
  });
  await until(api, changeId, (c) => c.status === 'awaiting_approval');
  const link = await approvalLink(runtime, changeId);
  await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve&comment=bench' });
  const deploying = await until(api, changeId, (c) => (c.deployment?.currentWeight ?? 0) > 0);
  const newVersion = deploying.deployment?.toFunctionVersion ?? '';
  // Hold the canary: from now on only the alarm's event can roll it back (no traffic has reached the new version yet).
  await api.control(changeId, 'pause', 'bench: hold the canary; the alarm alone may roll it back', 'dana');
  while (runtime.sfn.execution(changeId)?.currentState !== 'AwaitResume') await sleep(20);
  const stopTraffic = liveTraffic(api, claims);
  // Watch the alias from outside until it no longer routes to the new version.
  let backAt = 0;
  try {
    while (!backAt) {
      const alias = await runtime.lambda.send(new GetAliasCommand({ FunctionName: TARGET, Name: 'live' }));
      const a = alias as { FunctionVersion?: string; RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> } };
      if (a.FunctionVersion !== newVersion && !a.RoutingConfig?.AdditionalVersionWeights?.[newVersion]) backAt = Date.now();
      else await sleep(1);
    }
  } finally {
    await stopTraffic();
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
