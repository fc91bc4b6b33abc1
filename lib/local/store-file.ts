import { mkdir, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { ZodError, type z } from 'zod';

/**
 * The files of the local runtime's stand-ins (executions, S3 objects, functions, CodeDeploy state,
 * checkpoints, e-mails, build logs, the link secret) are written whole or not at all, and read back
 * without ever stopping the runtime:
 * - {@link writeStoreFile} writes a temp file beside the target, fsyncs it and renames it over the
 *   target (npm `write-file-atomic`). A crash at any point leaves the previous version (and perhaps
 *   an orphaned temp file, `<name>.<number>`), never a mix; readers see one version or the other.
 * - {@link readStoreFile} moves a file that does not parse (0 bytes, truncated, garbage, not the
 *   stored shape) aside to `<name>.corrupt-<time>`, reports it on the runtime's log and on stderr,
 *   and answers as if there were no file.
 */

/** Where a store reports what it found at load; the report also goes to stderr. */
export type StoreLog = (line: string) => void;

/**
 * Replaces `file` with `data` atomically (temp file + fsync + rename), creating its folder.
 * Writes of one file are applied in the order they were called.
 * @param options.mode - permissions of a new file, e.g. 0o600 @default those of the file it replaces, else 0o666 less the umask
 * @throws the file system's error (ENOSPC, EACCES…); the target is then unchanged
 */
export async function writeStoreFile(file: string, data: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const bytes = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  await writeFileAtomic(file, bytes, options);
}

/** Options of {@link readStoreFile}. */
export interface ReadStoreFileOptions<T> {
  /** Turns the text into the value; throws when it is not one (a `SyntaxError`, a `ZodError`…). */
  readonly parse: (text: string) => T;
  /** What is lost when the file is quarantined, for the report, e.g. "the execution of change c-1". */
  readonly lost: string;
  readonly log?: StoreLog;
}

/**
 * Reads and parses a store file.
 * @returns the value; `undefined` when there is no file, or when it did not parse: it is then moved
 *   to `<file>.corrupt-<time>` (kept for a post-mortem) and reported on `log` and stderr
 * @throws read errors other than a missing file (EACCES, EISDIR…): the environment's problem, not a corrupt file
 */
export async function readStoreFile<T>(file: string, options: ReadStoreFileOptions<T>): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return options.parse(text);
  } catch (err) {
    await quarantine(file, `${describe(err, text)}; lost: ${options.lost}`, options.log);
    return undefined;
  }
}

/** A parser for {@link readStoreFile}: JSON of the shape `schema` accepts. */
export function jsonOf<S extends z.ZodType>(schema: S): (text: string) => z.infer<S> {
  return (text) => schema.parse(JSON.parse(text));
}

/**
 * Moves a corrupt store file aside to `<file>.corrupt-<time>` and reports why; never throws (a file
 * that cannot be moved is reported as such, and the next write replaces it).
 * @returns the quarantine path, or undefined when the move failed
 */
export async function quarantine(file: string, why: string, log?: StoreLog): Promise<string | undefined> {
  const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  let moved: string | undefined = aside;
  try {
    await rename(file, aside);
  } catch (err) {
    moved = undefined;
    why += ` (could not move it aside: ${(err as Error).message})`;
  }
  report(`⚠  corrupt store file ${file}: ${why}${moved ? `; moved to ${moved}` : ''}`, log);
  return moved;
}

/** Reports a store problem on the runtime's log and on stderr (seen even when the log is silent: tests, the CLI). */
export function report(line: string, log?: StoreLog): void {
  log?.(line);
  process.stderr.write(`${line}\n`);
}

function describe(err: unknown, text: string): string {
  if (text.trim() === '') return `empty (${text.length} bytes)`;
  if (err instanceof ZodError) {
    const issue = err.issues[0];
    return `not the stored shape: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`;
  }
  return `does not parse: ${(err as Error).message}`;
}
