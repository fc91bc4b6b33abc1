import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Change } from '../../lambdas/core/change';
import { CmvClient } from '../client/api-client';
import { readChangeFile } from '../client/change-file';
import { ROOT, startLocalRuntime } from './runtime';

/**
 * `npm run demo`: on a fresh data dir, drives the example's three change requests through the HTTP
 * API as people would — alice proposes, bob approves through the link e-mailed to him, callers send
 * live traffic during each canary — prints a timeline, and exits 0 only when 1.1.0 is deployed,
 * 1.2.0 rolled back by itself with 1.1.0 still live, the failing change stopped at its tests, a
 * release admin's one-call activate works, and the audit ledger verifies.
 */

const EXAMPLE = join(ROOT, 'examples', 'benefit-calculator');
const TARGET = 'benefit-calculator';
/** Bake times and alarm periods run 30× faster: a 60 s bake lasts 2 s. */
const SPEED = 30;
const SCENARIOS = [
  { file: '1.1.0-seasonal-bonus.json', expect: 'deployed' },
  { file: '1.2.0-itemised-dependants.json', expect: 'rolled_back' },
  { file: '1.3.0-round-to-cents.json', expect: 'tests_failed' },
] as const;

const started = Date.now();
const say = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<number> {
  const dataDir = process.env.CMV_DATA_DIR ?? join(ROOT, '.cmv', 'demo');
  await rm(dataDir, { recursive: true, force: true });
  console.log('CMV demo — three change requests to benefit-calculator, through the HTTP API, on this machine.\n');
  say('starting the local runtime: DynamoDB Local, the workflow interpreter on statemachines/change-lifecycle.asl.json, the stand-ins …');
  const runtime = await startLocalRuntime({ dataDir, port: 0, speed: SPEED, log: (l) => (l.startsWith('registered') ? say(l) : undefined) });
  const api = new CmvClient(runtime.url, { user: 'alice' });
  const failures: string[] = [];
  const traffic = new Traffic(api, JSON.parse(await readFile(join(EXAMPLE, 'traffic', 'claims.json'), 'utf8')));
  try {
    say(`API at ${runtime.url}; e-mails go to ${runtime.outbox}`);
    const results: { version: string; status: string; expect: string }[] = [];
    for (const scenario of SCENARIOS) {
      const body = await readChangeFile(join(EXAMPLE, 'changes', scenario.file));
      console.log(`\n── ${body.version}: ${body.title}`);
      const proposed = await api.propose(body);
      say(`alice proposed it: change ${proposed.changeId.slice(0, 8)}, version ${proposed.version}, ${proposed.status}`);
      const final = await follow(api, proposed.changeId, runtime.sns.messages, traffic);
      results.push({ version: proposed.version, status: final.status, expect: scenario.expect });
      if (final.status !== scenario.expect) failures.push(`${proposed.version} ended ${final.status}, expected ${scenario.expect}`);
      if (scenario.expect === 'tests_failed' && final.deployment) failures.push(`${proposed.version} received traffic although its tests failed`);
    }

    console.log('\n── One-call activate: dana (release admin) puts 1.0.0 back, then 1.1.0');
    await api.activate(TARGET, '1.0.0', 'demo: show one-call activate', 'dana');
    const onOld = await api.invoke(TARGET, traffic.sample());
    say(`1.0.0 live again: a request ran on function version ${onOld.executedVersion} (its own code and config)`);
    await api.activate(TARGET, '1.1.0', 'demo: back to the court-ordered rule', 'dana');
    const target = await api.target(TARGET);
    say(`1.1.0 live: alias ${target.alias.name} routes ${JSON.stringify(target.alias.routingPercent)} (% by function version)`);
    if (target.liveVersion !== '1.1.0') failures.push(`live version is ${target.liveVersion}, expected 1.1.0`);
    try {
      await api.activate(TARGET, '1.3.0', 'should be refused', 'dana');
      failures.push('activating 1.3.0 (tests failed) was not refused');
    } catch (err) {
      say(`activating 1.3.0 is refused: ${(err as Error).message}`);
    }

    console.log('\n── Audit');
    const verification = await api.verify();
    const entries = await api.audit({ target: TARGET, limit: '500' });
    say(
      `ledger: ${verification.entries} entries, ${verification.valid ? `hash chain valid, head ${verification.head?.hash.slice(0, 16)}…` : `INVALID at ${verification.firstBadSeq}: ${verification.reason}`}`,
    );
    say(`entries for ${TARGET}: ${[...new Set(entries.items.map((e) => e.type))].join(', ')}`);
    if (!verification.valid) failures.push('the audit ledger does not verify');

    console.log('\n── Outcome');
    for (const r of results) console.log(`  ${r.version.padEnd(6)} ${r.status.padEnd(13)} ${r.status === r.expect ? '✓' : `✗ expected ${r.expect}`}`);
    console.log(`  live   ${target.liveVersion}`);
  } finally {
    traffic.stop();
    await runtime.stop();
  }
  if (failures.length) {
    console.error(`\nDEMO FAILED:\n  ${failures.join('\n  ')}`);
    return 1;
  }
  console.log(`\nDemo passed in ${((Date.now() - started) / 1000).toFixed(1)} s. Data: ${dataDir}`);
  return 0;
}

/** Follows a change to a final status, printing each transition; approves through bob's e-mailed link. */
async function follow(api: CmvClient, changeId: string, outbox: readonly { to: string; text: string }[], traffic: Traffic): Promise<Change> {
  let status = '';
  let steps = 0;
  let decided = 0;
  for (;;) {
    const change = await api.change(changeId);
    if (change.status !== status) {
      status = change.status;
      if (status === 'testing') say('testing: the local CodeBuild runs `node --test` on the candidate artifact');
      if (status === 'awaiting_approval') {
        say(`tests passed (${change.tests?.buildId}) → awaiting approval`);
        await approveByEmail(changeId, outbox);
      }
      if (status === 'deploying') traffic.start();
      if (status === 'tests_failed') say(`tests failed (${change.tests?.buildId}); log ${change.tests?.logs} — no traffic ever reached it`);
      if (status === 'deployed') say(`deployed ✓ ${change.version} is live`);
      if (status === 'rolled_back') say(`rolled back automatically ✓ ${change.reason}`);
    }
    const history = change.deployment?.history ?? [];
    for (; steps < history.length; steps++)
      say(`canary: alias shifted to ${history[steps].weight}% on version ${change.deployment?.toFunctionVersion}; baking …`);
    for (; decided < history.length && history[decided].decision; decided++) {
      const h = history[decided];
      say(`  after bake at ${h.weight}%: ${h.decision} — ${h.reason} | traffic ${traffic.report()}`);
    }
    if (['deployed', 'rolled_back', 'tests_failed', 'rejected', 'expired', 'failed'].includes(status)) {
      traffic.stop();
      return change;
    }
    await sleep(100);
  }
}

/** Bob opens the link from his e-mail (GET: the review page, nothing changes), then presses Approve (POST). */
async function approveByEmail(changeId: string, outbox: readonly { to: string; text: string }[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!outbox.some((m) => m.to === 'bob@example.org' && m.text.includes(changeId)) && Date.now() < deadline) await sleep(50);
  say(
    `approval e-mails sent to: ${outbox
      .filter((m) => m.text.includes(changeId))
      .map((m) => m.to)
      .join(', ')}`,
  );
  const mail = outbox.find((m) => m.to === 'bob@example.org' && m.text.includes(changeId));
  const link = mail?.text.match(/https?:\/\/\S+\/approvals\/\S+/)?.[0];
  if (!link) throw new Error(`no approval e-mail to bob for ${changeId}`);
  const review = await fetch(link);
  say(`bob opens the link in his e-mail: "${(await review.text()).match(/<h1>(.*?)<\/h1>/)?.[1]}" (${review.status}; opening it changes nothing)`);
  const res = await fetch(link, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'decision=approve&comment=Reviewed+the+diff+and+tests',
  });
  say(`bob presses Approve: "${(await res.text()).match(/<h1>(.*?)<\/h1>/)?.[1]}" → the workflow resumes`);
}

/** Live traffic to the target's alias while a change deploys: sample claims, a few requests at a time. */
class Traffic {
  private running = false;
  private seen = new Map<string, { requests: number; errors: number }>();
  private next = 0;
  constructor(
    private readonly api: CmvClient,
    private readonly claims: unknown[],
  ) {}
  sample(): unknown {
    return this.claims[this.next++ % this.claims.length];
  }
  start(): void {
    if (this.running) return;
    this.running = true;
    for (let i = 0; i < 3; i++) void this.loop();
  }
  stop(): void {
    this.running = false;
  }
  /** Requests and errors per executed version since the last report. */
  report(): string {
    const text = [...this.seen].map(([v, s]) => `v${v}: ${s.requests} req, ${s.errors} err`).join('; ') || 'none';
    this.seen = new Map();
    return text;
  }
  private async loop(): Promise<void> {
    while (this.running) {
      try {
        const out = await this.api.invoke(TARGET, this.sample());
        const s = this.seen.get(out.executedVersion) ?? { requests: 0, errors: 0 };
        s.requests++;
        if (!out.ok) s.errors++;
        this.seen.set(out.executedVersion, s);
      } catch {
        // the runtime is stopping
      }
      await sleep(10);
    }
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
