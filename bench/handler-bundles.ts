import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { build } from 'esbuild';
import { CmvStack } from '../lib/cmv-stack';
import { esbuildOptions, NODE_OPTIONS } from '../lib/constructs/bundling';
import { CmvFunction } from '../lib/constructs/cmv-function';
import { REPO_ROOT, repoPath } from '../lib/constructs/repo';

/** The most a handler's bundle may weigh: 250 kB (bytes of the minified `index.js`, without its map). */
export const BUNDLE_LIMIT_BYTES = 250_000;

/**
 * The handler modules the stack ships, one per Lambda function's code (relative to the repository
 * root, sorted, each once): read from a synthesized `CmvStack` (without bundling), so that no
 * function is left out of a measure.
 */
export function stackHandlerEntries(): string[] {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new CmvStack(app, 'Cmv');
  const entries = stack.node.findAll().flatMap((c) => (c instanceof CmvFunction ? [c.entry] : []));
  return [...new Set(entries)].sort();
}

/** A handler's bundle. */
export interface HandlerBundle {
  /** The handler module, relative to the repository root. */
  readonly entry: string;
  /** The bundle (`index.js`), absolute. */
  readonly file: string;
  /** Its size in bytes (the map, shipped next to it, is not counted: Node reads it only for a stack trace). */
  readonly bytes: number;
  /** Bytes of the bundle per package it includes (`zod`, `@middy/core`; `.` for CMV's own modules), largest first. */
  readonly packages: readonly (readonly [name: string, bytes: number])[];
}

/** The package of a module path esbuild reports (`node_modules/@middy/core/index.js` → `@middy/core`); `.` for ours. */
function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return '.';
  const [scope, name] = input.slice(at + 'node_modules/'.length).split('/');
  return scope.startsWith('@') ? `${scope}/${name}` : scope;
}

/**
 * Bundles handlers with esbuild exactly as the stack does ({@link esbuildOptions}), each into
 * `<dir>/<entry without .ts>/index.js` (as its own bundle; one esbuild run reads shared modules once).
 * @returns the bundles, in the order of `entries`
 * @throws Error from esbuild when an entry does not build
 */
export async function bundleHandlers(entries: readonly string[], dir: string): Promise<HandlerBundle[]> {
  const out = (entry: string) => join(entry.replace(/\.ts$/, ''), 'index');
  const { metafile } = await build({
    ...esbuildOptions(),
    entryPoints: entries.map((entry) => ({ in: repoPath(entry), out: out(entry) })),
    outdir: dir,
    metafile: true,
  });
  return entries.map((entry) => {
    const file = join(dir, `${out(entry)}.js`);
    const output = Object.entries(metafile.outputs).find(([path]) => resolve(path) === file);
    if (!output) throw new Error(`esbuild reported no output ${file} for ${entry}`);
    const sizes = new Map<string, number>();
    for (const [input, { bytesInOutput }] of Object.entries(output[1].inputs)) sizes.set(packageOf(input), (sizes.get(packageOf(input)) ?? 0) + bytesInOutput);
    return { entry, file, bytes: statSync(file).size, packages: [...sizes].sort((a, b) => b[1] - a[1]) };
  });
}

/**
 * The time in ms to load a bundle in a fresh Node process — `require()` of it, the way Lambda's
 * init loads the handler module — with the functions' NODE_OPTIONS, and the SDK (external) resolved
 * from this repository's node_modules as Lambda's runtime resolves it from its own: median of `runs`.
 */
export function coldInitMs(file: string, runs = 5): number {
  const script = `const t = performance.now(); require(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`;
  const env = { ...process.env, NODE_OPTIONS, NODE_PATH: join(REPO_ROOT, 'node_modules') };
  const times = Array.from({ length: runs }, () => Number(execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' })));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
