import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CmvClient } from '../lib/client/api-client';
import { readChangeFile } from '../lib/client/change-file';
import { ROOT, startLocalRuntime } from '../lib/local/runtime';

/**
 * `npm run bench:dry-run`: the latency of `POST /changes?dryRun=true` on the local stack as the
 * example target's history grows (issue #10, "costs that do not grow with history"). Versions are
 * added straight through the change store (one ledgered commit each, as intake writes them); the
 * dry run reads the highest version, the base and the live one, so its p50 should stay flat.
 *
 * Environment: BENCH_VERSIONS (default "20,500"), BENCH_RUNS per size (default 50).
 * Prints a table and one JSON line.
 */

const SIZES = (process.env.BENCH_VERSIONS ?? '20,500').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const TARGET = 'benefit-calculator';

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cmv-bench-dry-run-'));
  const runtime = await startLocalRuntime({ dataDir, port: 0, inMemory: true });
  try {
    const api = new CmvClient(runtime.url, { user: 'alice' });
    const body = await readChangeFile(join(ROOT, 'examples', 'benefit-calculator', 'changes', '1.1.0-seasonal-bonus.json'));
    const request = { ...body, version: undefined, bump: 'patch' };
    const live = await runtime.services.store.getVersion(TARGET, (await runtime.services.store.getTarget(TARGET))?.liveVersion ?? '');
    if (!live) throw new Error('the example target has no live version');
    let count = (await runtime.services.store.listVersions(TARGET)).length;
    const rows: { versions: number; p50Ms: number; p90Ms: number }[] = [];
    for (const size of SIZES) {
      for (; count < size; count++) {
        const record = { ...live, version: `0.0.${count}`, changeId: null, revision: 0 };
        await runtime.services.store.commit([{ kind: 'version', record, expectedRevision: null }], {
          type: 'VersionSeeded',
          target: TARGET,
          actor: 'bench',
          details: { version: record.version },
        });
      }
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const start = performance.now();
        await api.plan(request);
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))] * 10) / 10;
      rows.push({ versions: size, p50Ms: at(0.5), p90Ms: at(0.9) });
    }
    console.log('versions  p50 ms  p90 ms');
    for (const r of rows) console.log(`${String(r.versions).padStart(8)}  ${String(r.p50Ms).padStart(6)}  ${String(r.p90Ms).padStart(6)}`);
    console.log(JSON.stringify({ bench: 'dry-run', runs: RUNS, rows }));
  } finally {
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
