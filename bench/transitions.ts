import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CmvClient } from '../lib/client/api-client';
import { readChangeFile } from '../lib/client/change-file';
import { ROOT, startLocalRuntime } from '../lib/local/runtime';
import { executionCost, HISTORY_EVENT_LIMIT } from './history-events';
import { EXAMPLE, lifecycleDefinition, modelExecution, WORST_SCENARIOS } from './lifecycle-model';

/**
 * `npm run bench:transitions` (issue #10, "Figures"): what a change costs in Step Functions state
 * transitions and history events.
 * - The example lifecycle, counted from a real execution: the bundled example's change 1.1.0 proposed,
 *   approved through bob's e-mailed link and deployed (10 → 50 → 100 %, 60 s bakes) on the local
 *   stack, whose Step Functions runs the same ASL file; the goal is at most 40 transitions.
 * - The same change modelled (bench/lifecycle-model.ts), which must agree with it, and the worst case
 *   any allowed setting reaches, per strategy: it must stay well under the 25,000-event history limit.
 * Prints a table, then the same figures as JSON. Exits 1 when a goal is missed.
 * Environment: BENCH_SPEED (default 60: a minute of bake lasts a second).
 */

const SPEED = Number(process.env.BENCH_SPEED ?? 60);
const TRANSITIONS_GOAL = 40;

interface Row {
  readonly what: string;
  readonly source: 'local execution' | 'model';
  readonly transitions: number;
  readonly historyEvents: number;
}

/** Runs the example change 1.1.0 to its end on a fresh local stack and counts its execution. */
async function exampleExecution(): Promise<Row> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cmv-bench-transitions-'));
  const runtime = await startLocalRuntime({ dataDir, port: 0, speed: SPEED, inMemory: true });
  try {
    const api = new CmvClient(runtime.url, { user: 'alice' });
    const { changeId } = await api.propose(await readChangeFile(join(ROOT, 'examples', 'benefit-calculator', 'changes', '1.1.0-seasonal-bonus.json')));
    let link: string | undefined;
    while (!link) {
      const mail = runtime.sns.messages.find((m) => m.to === 'bob@example.org' && m.text.includes(changeId));
      link = mail?.text.match(/https?:\/\/\S+\/approvals\/\S+/)?.[0];
      if (!link) await sleep(100);
    }
    const res = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve&comment=ok' });
    if (res.status !== 200) throw new Error(`bob's approval answered ${res.status}`);
    for (;;) {
      const execution = runtime.sfn.execution(changeId);
      if (execution && execution.status !== 'RUNNING') {
        if (execution.status !== 'SUCCEEDED') throw new Error(`the example's execution ended ${execution.status} (${execution.error}: ${execution.cause})`);
        const cost = executionCost(lifecycleDefinition().States, execution.history);
        return {
          what: 'example 1.1.0 (10 → 50 → 100 %, 60 s bakes)',
          source: 'local execution',
          transitions: cost.transitions,
          historyEvents: cost.historyEvents,
        };
      }
      await sleep(100);
    }
  } finally {
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const rows: Row[] = [await exampleExecution()];
  const modelled = await modelExecution(EXAMPLE);
  rows.push({ what: 'example 1.1.0', source: 'model', transitions: modelled.transitions, historyEvents: modelled.historyEvents });
  for (const scenario of WORST_SCENARIOS) {
    const cost = await modelExecution(scenario, HISTORY_EVENT_LIMIT);
    rows.push({
      what: `${scenario.name}${cost.cut ? ' (cut at the limit)' : ''}`,
      source: 'model',
      transitions: cost.transitions,
      historyEvents: cost.historyEvents,
    });
  }
  const worst = rows.slice(2).reduce((a, b) => (b.historyEvents > a.historyEvents ? b : a));
  console.log(`Step Functions cost of a change (local stack at speed ${SPEED}; statemachines/change-lifecycle.asl.json)\n`);
  console.log(`${'change'.padEnd(58)} ${'counted from'.padEnd(16)} ${'transitions'.padStart(11)} ${'history events'.padStart(14)}`);
  for (const r of rows)
    console.log(`${r.what.padEnd(58)} ${r.source.padEnd(16)} ${String(r.transitions).padStart(11)} ${String(r.historyEvents).padStart(14)}`);
  console.log(
    `\nexample: ${rows[0].transitions} transitions (goal ≤ ${TRANSITIONS_GOAL}); worst case: ${worst.historyEvents} history events (${((100 * worst.historyEvents) / HISTORY_EVENT_LIMIT).toFixed(1)} % of the ${HISTORY_EVENT_LIMIT} limit)\n`,
  );
  console.log(JSON.stringify({ speed: SPEED, goal: { exampleTransitions: TRANSITIONS_GOAL, historyEventLimit: HISTORY_EVENT_LIMIT }, rows, worst }, null, 2));
  const missed = rows[0].transitions > TRANSITIONS_GOAL || worst.historyEvents >= HISTORY_EVENT_LIMIT / 5;
  if (missed) console.error('a goal was missed');
  return missed ? 1 : 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
