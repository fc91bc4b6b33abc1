import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { isSourcePath, type SourceFiles } from '../core/artifact';

/** A directory entry as `readdir(…, { recursive: true, withFileTypes: true })` gives it. */
interface Entry {
  readonly name: string;
  readonly parentPath: string;
  isFile(): boolean;
}

/** The source paths (relative, `/`-separated) of a tree's regular files, as CMV zips them ({@link isSourcePath}). */
function sourcePaths(root: string, entries: readonly Entry[]): string[] {
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
    .filter(isSourcePath);
}

/**
 * Reads a source directory as CMV zips it: its regular files, less node_modules and dot-files
 * ({@link isSourcePath}). Symlinks are left out, so none leads outside the directory. The one
 * reading of a source tree: the stack's first version of a target, a `file://` artifact and
 * `cmv register` zip exactly the same files, so their zips have the same SHA-256.
 */
export async function readSourceTree(root: string): Promise<SourceFiles> {
  const files: SourceFiles = {};
  for (const path of sourcePaths(root, await readdir(root, { recursive: true, withFileTypes: true }))) files[path] = await readFile(join(root, path));
  return files;
}

/** {@link readSourceTree}, synchronously (for synth, where CDK constructs cannot await). */
export function readSourceTreeSync(root: string): SourceFiles {
  const files: SourceFiles = {};
  for (const path of sourcePaths(root, readdirSync(root, { recursive: true, withFileTypes: true }))) files[path] = readFileSync(join(root, path));
  return files;
}
