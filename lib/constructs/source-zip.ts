import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { isSourcePath, type SourceFiles, sha256Base64, zipSource } from '../../lambdas/core/artifact';

/**
 * Zips a source directory at synth time exactly as CMV zips a `file://` or re-zips an uploaded
 * source (same files, sorted, fixed times), so the first version the stack deploys has the
 * `CodeSha256` that registration (POST /targets with a zip of the same files) expects of the
 * version the alias serves.
 * @returns the path of the zip (under the OS temp dir, named by its SHA-256)
 */
export function sourceZip(root: string): string {
  const files: SourceFiles = {};
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = relative(root, join(entry.parentPath, entry.name)).split(sep).join('/');
    if (isSourcePath(path)) files[path] = readFileSync(join(root, path));
  }
  const zip = zipSource(files);
  const dir = join(tmpdir(), 'cmv-source-zips');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${Buffer.from(sha256Base64(zip), 'base64').toString('hex')}.zip`);
  writeFileSync(file, zip);
  return file;
}
