import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Reads a change request file (JSON) for POST /changes. Two conveniences over the API body, so
 * that change files stay readable: `code.diffFile` (a path to a unified diff, relative to the file)
 * is inlined as `code.diff`, and a relative `file://` artifact path is made absolute.
 * @throws Error naming the file when it is not JSON or the diff file is missing
 */
export async function readChangeFile(path: string): Promise<Record<string, unknown>> {
  let body: Record<string, unknown> & { code?: Record<string, unknown> };
  try {
    body = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read change file ${path}: ${(err as Error).message}`);
  }
  const code = body.code;
  if (code && typeof code.diffFile === 'string') {
    const { diffFile, ...rest } = code;
    body.code = { ...rest, diff: await readFile(resolve(dirname(path), diffFile as string), 'utf8') };
  } else if (code && typeof code.artifact === 'string' && code.artifact.startsWith('file://') && !isAbsolute(code.artifact.slice(7))) {
    body.code = { ...code, artifact: pathToFileURL(resolve(dirname(path), code.artifact.slice(7))).href };
  }
  return body;
}
