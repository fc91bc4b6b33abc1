import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { SourceFiles } from '../../lambdas/core/artifact';

/**
 * Writes a source's files under `dir` (created when missing), as the local CodeBuild and Lambda
 * extract an artifact. Every path is checked first: one that is absolute or resolves outside `dir`
 * (zip slip) refuses the whole source, whatever the checks upstream let through.
 * @param files - paths relative to `dir` (POSIX), as unzipSource gives them
 * @throws Error naming the path when it would land outside `dir`; nothing is written then
 */
export async function writeSourceFiles(dir: string, files: SourceFiles): Promise<void> {
  const root = resolve(dir);
  const targets = Object.entries(files).map(([path, bytes]) => {
    const target = resolve(root, path);
    const rel = relative(root, target);
    if (isAbsolute(path) || rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw new Error(`refused to extract ${JSON.stringify(path)}: it would be written outside ${root}`);
    }
    return { target, bytes };
  });
  await mkdir(root, { recursive: true });
  for (const { target, bytes } of targets) {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, bytes);
  }
}
