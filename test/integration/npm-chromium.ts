import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/** The npm package whose tarball holds Chromium (brotli-compressed, Linux x64), a devDependency. */
export const NPM_CHROMIUM = '@sparticuz/chromium';

const ROOT = resolve(__dirname, '../..');

/** The installed version of {@link NPM_CHROMIUM} (its major is Chromium's), e.g. `147.0.0`. */
export function npmChromiumVersion(): string {
  const manifest = join(ROOT, 'node_modules', NPM_CHROMIUM, 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

// The package is ESM-only in newer releases and unpacks into os.tmpdir(), so a child Node with its
// own TMPDIR runs it: jest's CommonJS loader never imports it, and nothing lands in a shared /tmp.
const UNPACK = `import(${JSON.stringify(NPM_CHROMIUM)}).then((m) => m.default.executablePath())`;

/**
 * Unpacks {@link NPM_CHROMIUM}'s Chromium once per installed version into
 * `node_modules/.cache/cmv-chromium/<version>/` (≈210 MB; seconds of CPU) and returns the
 * executable's path; later calls return it at once. Unpacks into a fresh folder renamed into place
 * when complete, so an interrupted run or two jest workers at once never leave half a binary.
 * @throws Error when the package is not installed or unpacking fails (the child's stderr in the message)
 */
export async function unpackNpmChromium(): Promise<string> {
  const dir = join(ROOT, 'node_modules', '.cache', 'cmv-chromium', npmChromiumVersion());
  const executable = join(dir, 'chromium');
  if (existsSync(executable)) return executable;
  await mkdir(join(dir, '..'), { recursive: true });
  const staging = await mkdtemp(`${dir}.unpacking-`);
  try {
    await promisify(execFile)(process.execPath, ['-e', UNPACK], { cwd: ROOT, env: { ...process.env, TMPDIR: staging } });
    // Another worker may have renamed its copy into place first: then that one is used.
    await rename(staging, dir).catch((error: unknown) => {
      if (!existsSync(executable)) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return executable;
}
