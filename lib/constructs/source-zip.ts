import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSourceTreeSync } from '../../lambdas/adapters/source-tree';
import { sha256Base64, zipSource } from '../../lambdas/core/artifact';

/**
 * Zips a source directory at synth time exactly as CMV zips a `file://` or re-zips an uploaded
 * source (same files, sorted, fixed times), so the first version the stack deploys has the
 * `CodeSha256` that registration (POST /targets with a zip of the same files) expects of the
 * version the alias serves.
 * @returns the path of the zip (under the OS temp dir, named by its SHA-256)
 */
export function sourceZip(root: string): string {
  const zip = zipSource(readSourceTreeSync(root));
  const dir = join(tmpdir(), 'cmv-source-zips');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${Buffer.from(sha256Base64(zip), 'base64').toString('hex')}.zip`);
  writeFileSync(file, zip);
  return file;
}
