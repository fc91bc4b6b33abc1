import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE_LIMIT_BYTES, bundleHandlers, coldInitMs, stackHandlerEntries } from './handler-bundles';

/**
 * `npm run bench:bundles`: the size and cold init time of each handler the stack ships, bundled
 * exactly as the stack bundles it (lib/constructs/bundling.ts). Prints a table, then the figures as
 * JSON (`{ limitBytes, runs, loadAverage, handlers: [{ handler, bytes, coldInitMs, largest }] }`).
 *
 * Size: bytes of the minified `index.js` (the source map next to it is not counted). Cold init: the
 * median of BENCH_RUNS (default 5) fresh Node processes timing `require()` of the bundle, the SDK
 * resolved from node_modules — a figure of this machine and its load, printed with it.
 *
 * Exits 1 when a bundle is over 250 kB.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'cmv-bench-bundles-'));
  try {
    const bundles = await bundleHandlers(stackHandlerEntries(), dir);
    const handlers = bundles.map((b) => ({
      handler: b.entry.replace(/^lambdas\/handlers\//, '').replace(/\.ts$/, ''),
      bytes: b.bytes,
      coldInitMs: Math.round(coldInitMs(b.file, RUNS)),
      largest: b.packages.slice(0, 3).map(([name, bytes]) => `${name === '.' ? 'cmv' : name} ${(bytes / 1000).toFixed(1)} kB`),
    }));
    const over = handlers.filter((h) => h.bytes > BUNDLE_LIMIT_BYTES);
    const width = Math.max(...handlers.map((h) => h.handler.length));
    console.log(`${'handler'.padEnd(width)}  ${'kB'.padStart(6)}  ${'init ms'.padStart(7)}  largest parts`);
    for (const h of handlers) {
      const flag = h.bytes > BUNDLE_LIMIT_BYTES ? '  OVER' : '';
      console.log(
        `${h.handler.padEnd(width)}  ${(h.bytes / 1000).toFixed(1).padStart(6)}  ${String(h.coldInitMs).padStart(7)}  ${h.largest.join(', ')}${flag}`,
      );
    }
    const loadAverage = Number(loadavg()[0].toFixed(1));
    console.log(`\n${handlers.length} handlers; limit ${BUNDLE_LIMIT_BYTES / 1000} kB; cold init: median of ${RUNS} runs; load average ${loadAverage}`);
    console.log(JSON.stringify({ limitBytes: BUNDLE_LIMIT_BYTES, runs: RUNS, loadAverage, handlers }));
    if (over.length > 0) {
      console.error(`over ${BUNDLE_LIMIT_BYTES / 1000} kB: ${over.map((h) => h.handler).join(', ')}`);
      return 1;
    }
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
