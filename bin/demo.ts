import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CmvClient } from '../lib/client/api-client';
import { readChangeFile } from '../lib/client/change-file';
import { ROOT, startLocalRuntime } from '../lib/local/runtime';
import blueGreen from './demo/blue-green';
import { type DemoContext, elapsedSeconds, follow, say, Traffic } from './demo/context';
import healthRamp from './demo/health-ramp';
import promotion, { STAGING_TARGET_FILE } from './demo/promotion';
import { releaseNotesSection } from './demo/release-notes';
import signedBundles from './demo/signed-bundles';

/**
 * `npm run demo`: on a fresh data dir, drives the change requests of README's Quick start to the example
 * (the five request files of examples/benefit-calculator/changes, config-only changes built from 1.1.0's,
 * and a release advanced from staging) through the HTTP API as people would — alice proposes, bob
 * approves through the link e-mailed to him, callers send live traffic during each canary — prints a
 * timeline, and exits 0 only when each ends as expected: deployed, rolled back by an alarm, stopped at
 * its tests, steered by a release admin, deployed and rolled back by CodeDeploy, held for its window,
 * ramped by health or rolled back for latency, switched blue-green, advanced staging → production as the
 * same artifact; a tampered bundle's activate is refused; one-call activate works; the release notes
 * list the releases; the audit ledger verifies and every entry is an event.
 */

/** The demo's sections beyond the scenarios above, each a module of bin/demo/ (see bin/demo/context.ts). */
const SECTIONS: readonly ((ctx: DemoContext) => Promise<void>)[] = [healthRamp, blueGreen, signedBundles, promotion, releaseNotesSection];

const EXAMPLE = join(ROOT, 'examples', 'benefit-calculator');
const TARGET = 'benefit-calculator';
/** Bake times and alarm periods run 30× faster: a 60 s bake lasts 2 s. */
const SPEED = 30;
/** The change requests, who approves each through their e-mailed link, and the outcome expected. */
const SCENARIOS: readonly { file: string; approvers: readonly string[]; expect: string }[] = [
  { file: '1.1.0-seasonal-bonus.json', approvers: ['bob', 'carol'], expect: 'deployed' },
  { file: '1.2.0-itemised-dependants.json', approvers: ['bob', 'carol'], expect: 'rolled_back' },
  { file: '1.3.0-round-to-cents.json', approvers: [], expect: 'tests_failed' },
];
/** Config-only changes a release admin steers mid-canary: promote skips the remaining steps, abort rolls back at once. */
const OPERATED = [
  {
    change: {
      version: '1.1.1',
      title: 'October recomputation: maximum weekly benefit $1,105 → $1,120',
      config: { MAX_WEEKLY_BENEFIT: '1120', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
      canary: { steps: [10, 50, 100], bakeSeconds: 900 },
    },
    control: 'promote',
    reason: 'statutory deadline today; figure verified by DUA',
    expect: 'deployed',
  },
  {
    change: {
      version: '1.1.2',
      title: 'Minimum base-period wages $6,300 → $6,600',
      config: { MAX_WEEKLY_BENEFIT: '1120', MIN_BASE_PERIOD_WAGES: '6600', DEPENDENCY_ALLOWANCE: '25' },
      canary: { steps: [10, 50, 100], bakeSeconds: 900 },
    },
    control: 'abort',
    reason: 'the new figure takes effect in January, not now',
    expect: 'rolled_back',
  },
] as const;
/** Config-only changes deployed by CodeDeploy with the target's custom config (25 %, then 100 % two minutes later): one healthy, one whose version cannot start. */
const CODEDEPLOYED = [
  {
    change: {
      version: '1.1.3',
      title: 'Dependency allowance $25 → $30 (deployed by CodeDeploy)',
      config: { MAX_WEEKLY_BENEFIT: '1120', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '30' },
    },
    expect: 'deployed',
  },
  {
    change: {
      version: '1.1.4',
      title: 'A mistyped maximum benefit (-1): the new version cannot start (deployed by CodeDeploy)',
      config: { MAX_WEEKLY_BENEFIT: '-1', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '30' },
    },
    expect: 'rolled_back',
  },
] as const;
/** Policy scenarios: a critical change needing the CAB and an executive, a high-risk one needing a CAB majority; both wait for the Saturday window. */
const HELD = [
  { file: '2.0.0-annual-maximum.json', approvers: ['bob', 'frank', 'grace'] },
  { file: '1.4.0-minimum-wages.json', approvers: ['bob', 'frank'] },
] as const;

async function main(): Promise<number> {
  const dataDir = process.env.CMV_DATA_DIR ?? join(ROOT, '.cmv', 'demo');
  await rm(dataDir, { recursive: true, force: true });
  console.log(
    `CMV demo — ${SCENARIOS.length + OPERATED.length + CODEDEPLOYED.length + HELD.length} change requests to benefit-calculator, through the HTTP API, on this machine.\n`,
  );
  say('starting the local runtime: DynamoDB Local, the workflow interpreter on statemachines/change-lifecycle.asl.json, the stand-ins …');
  const runtime = await startLocalRuntime({
    dataDir,
    port: 0,
    speed: SPEED,
    // The staging target the promotion section registers: the stack's grants cover it (its function is created there).
    stackTargets: [STAGING_TARGET_FILE],
    log: (l) => (l.startsWith('registered') ? say(l) : undefined),
  });
  const api = new CmvClient(runtime.url, { user: 'alice' });
  const failures: string[] = [];
  const traffic = new Traffic(api, JSON.parse(await readFile(join(EXAMPLE, 'traffic', 'claims.json'), 'utf8')), TARGET);
  const results: DemoContext['results'] = [];
  const ctx: DemoContext = { runtime, api, traffic, failures, results };
  try {
    say(`API at ${runtime.url}; e-mails go to ${runtime.outbox}`);
    for (const scenario of SCENARIOS) {
      const body = await readChangeFile(join(EXAMPLE, 'changes', scenario.file));
      console.log(`\n── ${body.version}: ${body.title}`);
      const proposed = await api.propose(body);
      say(`alice proposed it: change ${proposed.changeId.slice(0, 8)}, version ${proposed.version}, ${proposed.status}`);
      const final = await follow(api, proposed.changeId, runtime.sns.messages, traffic, scenario.approvers);
      results.push({ version: proposed.version, status: final.status, expect: scenario.expect });
      if (final.status !== scenario.expect) failures.push(`${proposed.version} ended ${final.status}, expected ${scenario.expect}`);
      if (scenario.expect === 'tests_failed' && final.deployment) failures.push(`${proposed.version} received traffic although its tests failed`);
    }

    console.log('\n── Operator controls: dana (release admin) steers two canaries');
    for (const op of OPERATED) {
      const body = { ...(await readChangeFile(join(EXAMPLE, 'changes', '1.1.0-seasonal-bonus.json'))), ...op.change, code: undefined, baseVersion: undefined };
      console.log(`\n── ${op.change.version}: ${op.change.title}`);
      const proposed = await api.propose(body);
      say(`alice proposed it (config only, canary ${op.change.canary.steps.join(' → ')} %, ${op.change.canary.bakeSeconds} s bakes)`);
      const final = await follow(api, proposed.changeId, runtime.sns.messages, traffic, ['bob', 'carol'], [], async (c) => {
        if (c.deployment?.currentWeight !== 10) return false;
        const after = await api.control(proposed.changeId, op.control, op.reason, 'dana');
        say(`dana: ${op.control} at 10% (“${op.reason}”) → ${after.status}${after.deployment?.promoteRequested ? ', remaining steps skipped' : ''}`);
        return true;
      });
      results.push({ version: proposed.version, status: final.status, expect: op.expect });
      if (final.status !== op.expect) failures.push(`${proposed.version} ended ${final.status}, expected ${op.expect}`);
    }

    console.log('\n── The codedeploy strategy: CodeDeploy shifts the alias per its deployment config, watching the alarms');
    for (const cd of CODEDEPLOYED) {
      const base = await readChangeFile(join(EXAMPLE, 'changes', '1.1.0-seasonal-bonus.json'));
      const body = {
        ...base,
        ...cd.change,
        code: undefined,
        baseVersion: undefined,
        strategy: 'codedeploy',
        deploymentConfig: 'benefit-calculator-canary-25-2',
      };
      console.log(`\n── ${cd.change.version}: ${cd.change.title}`);
      const proposed = await api.propose(body);
      say(`alice proposed it (config only, strategy codedeploy, config benefit-calculator-canary-25-2: 25 %, then 100 % after 2 min)`);
      const final = await follow(api, proposed.changeId, runtime.sns.messages, traffic, ['bob', 'carol']);
      say(`CodeDeploy deployment ${final.deployment?.codeDeployId}: ${final.status === 'deployed' ? 'Succeeded' : (final.reason ?? '')}`);
      results.push({ version: proposed.version, status: final.status, expect: cd.expect });
      if (final.status !== cd.expect) failures.push(`${proposed.version} ended ${final.status}, expected ${cd.expect}`);
    }

    for (const held of HELD) {
      const body = await readChangeFile(join(EXAMPLE, 'changes', held.file));
      console.log(`\n── ${body.version}: ${body.title} (${body.changeType}, ${body.riskLevel} risk)`);
      const preview = await api.plan(body);
      const p = preview.plan;
      say(
        `dry run (writes nothing): rule ${p.policy.ruleId}; approvers ${p.approvals.groups.map((g) => `${g.name} ${g.required} of [${g.eligible.join(', ')}]`).join(' + ')}`,
      );
      say(
        `  tests ${p.tests.join(', ')}; window ${p.window.windows.map((w) => `${w.days.join(',')} ${w.start}–${w.end}`).join('; ')} ${p.window.timeZone}; earliest start ${p.window.earliestStart}`,
      );
      const windowOpen = p.window.earliestStart <= new Date().toISOString();
      const proposed = await api.propose(body);
      say(`alice proposed it: change ${proposed.changeId.slice(0, 8)} (policy sha256 ${p.policy.sha256.slice(0, 12)}… recorded on it)`);
      const final = await follow(api, proposed.changeId, runtime.sns.messages, traffic, held.approvers, ['scheduled']);
      const expect = windowOpen ? 'deployed' : 'scheduled';
      if (final.status === 'scheduled')
        say(`held for its change window ✓ it deploys at ${final.scheduledFor} (the workflow waits; a restart resumes the wait)`);
      if (final.status !== expect) failures.push(`${proposed.version} ended ${final.status}, expected ${expect}`);
      results.push({ version: proposed.version, status: final.status, expect });
    }

    // Further sections, one module of bin/demo/ each, in the order they run.
    for (const section of SECTIONS) await section(ctx);

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

    console.log('\n── Audit: erin (auditor) reads the ledger');
    const verification = await api.verify('erin');
    const entries = await api.audit({ target: TARGET, limit: '500' }, 'erin');
    say(
      `ledger: ${verification.entries} entries in ${verification.chains} chain(s), ${verification.valid ? `every chain valid against ${verification.digests} signed digest(s)` : `INVALID: ${verification.chain ?? 'digest'} at ${verification.firstBadSeq ?? verification.faults?.[0]?.digestSeq}, ${verification.reason}: ${verification.detail}`}`,
    );
    say(`entries for ${TARGET}: ${[...new Set(entries.items.map((e) => e.type))].join(', ')}`);
    if (!verification.valid) failures.push('the audit ledger does not verify');
    await runtime.ledgerStream.drain();
    const events = await runtime.events.read({ source: ['cmv'] });
    const byType = new Map<string, number>();
    for (const e of events) byType.set(e['detail-type'], (byType.get(e['detail-type']) ?? 0) + 1);
    say(`events: ${events.length} on the local bus (one per ledger entry; \`cmv events\` reads them): ${[...byType].map(([t, n]) => `${t} ×${n}`).join(', ')}`);
    // Reading the audit trail is itself recorded: this verification and the query after it each appended an AuditQueried
    // entry once they had read, so the ledger holds two entries more than the verification counted.
    const ledgerEntries = verification.entries + 2;
    if (events.length !== ledgerEntries) failures.push(`${events.length} events for ${ledgerEntries} ledger entries`);

    if (traffic.throttled > 0) failures.push(`${traffic.throttled} live request(s) were throttled (429)`);

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
  console.log(`\nDemo passed in ${elapsedSeconds().toFixed(1)} s. Data: ${dataDir}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
