import { createHash } from 'node:crypto';
import { applyPatch, parsePatch } from 'diff';
import { strFromU8, strToU8, unzipSync, type Zippable, zipSync } from 'fflate';
import { ValidationError } from './errors';

/** A function's source: path (POSIX, relative to the artifact root) → bytes. */
export type SourceFiles = Record<string, Uint8Array>;

/** Fixed timestamp for zip entries, so the same files always give the same bytes and digest. */
const ZIP_EPOCH = new Date('1980-01-01T00:00:00Z');

/** Zips files deterministically: sorted paths, fixed times, so equal sources have equal digests. */
export function zipSource(files: SourceFiles): Uint8Array {
  const zippable: Zippable = {};
  for (const path of Object.keys(files).sort()) zippable[path] = [files[path], { mtime: ZIP_EPOCH }];
  return zipSync(zippable, { level: 6 });
}

/**
 * Whether a file of a source directory belongs in its artifact: not under `node_modules`, not a
 * dot-file or in a dot-directory. One rule for CMV reading a `file://` source and for the CDK
 * stack zipping a target's first version, so both give the same bytes.
 * @param relativePath - POSIX path relative to the source root
 */
export function isSourcePath(relativePath: string): boolean {
  return !relativePath.split('/').some((part) => part === 'node_modules' || part.startsWith('.'));
}

/**
 * Why `path` cannot name a file of a source, or undefined when it can. A source path is relative,
 * POSIX and normalised — no `..`, `.` or empty segments, no backslash, no NUL or other control
 * character — so that writing it under any directory stays inside that directory (zip slip), and
 * every file system reads it the same way.
 */
export function unsafePathReason(path: string): string | undefined {
  if (path === '') return 'is empty';
  if ([...path].some((c) => c < ' ' || c === '\x7f')) return 'contains a control character';
  if (path.includes('\\')) return 'contains a backslash';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'is absolute';
  const segments = path.split('/');
  if (segments.includes('..')) return 'leaves its directory (a .. segment)';
  if (segments.includes('.') || segments.includes('')) return 'is not normalised (a . or empty segment)';
  return undefined;
}

/** Throws ValidationError on `field` when `path` is not a safe source path ({@link unsafePathReason}). */
function requireSafePath(field: string, path: string): void {
  const reason = unsafePathReason(path);
  if (reason) throw ValidationError.field(field, `names the unsafe path ${JSON.stringify(path)}: it ${reason}`);
}

/**
 * Unzips an artifact.
 * @throws ValidationError (field `code.artifact`) when the bytes are not a zip, or when an entry's
 *   path is unsafe ({@link unsafePathReason})
 */
export function unzipSource(zip: Uint8Array): SourceFiles {
  let files: SourceFiles;
  try {
    files = unzipSync(zip);
  } catch (err) {
    throw ValidationError.field('code.artifact', `is not a zip archive (${(err as Error).message})`);
  }
  for (const path of Object.keys(files)) {
    if (path.endsWith('/')) delete files[path];
    else requireSafePath('code.artifact', path);
  }
  return files;
}

/** SHA-256 of bytes in base64: the form Lambda reports as `CodeSha256`. */
export function sha256Base64(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64');
}

/**
 * Applies a unified diff (as `diff -u` or `git diff` write it; `a/` and `b/` prefixes are
 * stripped like `patch -p1`) to a source tree. New files (`--- /dev/null`) are created and
 * deleted files (`+++ /dev/null`) removed.
 * @returns the patched files (the input is not changed)
 * @throws ValidationError (field `code.diff`) naming the file when the diff is malformed, names an
 *   unsafe path ({@link unsafePathReason}), or a hunk does not apply
 */
export function applyUnifiedDiff(files: SourceFiles, unifiedDiff: string, baseLabel: string): SourceFiles {
  let patches: ReturnType<typeof parsePatch>;
  try {
    patches = parsePatch(unifiedDiff);
  } catch (err) {
    throw ValidationError.field('code.diff', `is not a unified diff: ${(err as Error).message}`);
  }
  const changed = patches.filter((p) => p.hunks.length > 0);
  if (changed.length === 0) throw ValidationError.field('code.diff', 'contains no hunks');
  const result: SourceFiles = { ...files };
  for (const patch of changed) {
    const oldPath = stripPrefix(patch.oldFileName);
    const newPath = stripPrefix(patch.newFileName);
    for (const path of [oldPath, newPath]) if (path !== undefined) requireSafePath('code.diff', path);
    const source = oldPath ? result[oldPath] : new Uint8Array();
    if (oldPath && source === undefined) throw ValidationError.field('code.diff', `changes ${oldPath}, which ${baseLabel} does not have`);
    // Like `git apply`: a diff never overwrites or half-deletes a file without showing its lines.
    if (newPath && newPath !== oldPath && result[newPath] !== undefined) {
      throw ValidationError.field('code.diff', `creates ${newPath}, which ${baseLabel} already has`);
    }
    const patched = applyPatch(strFromU8(source ?? new Uint8Array()), patch);
    if (patched === false) throw ValidationError.field('code.diff', `does not apply to ${oldPath ?? newPath} of ${baseLabel}`);
    if (oldPath && !newPath && patched !== '') throw ValidationError.field('code.diff', `deletes ${oldPath} but leaves some of its lines`);
    if (oldPath && oldPath !== newPath) delete result[oldPath];
    if (newPath) result[newPath] = strToU8(patched);
  }
  return result;
}

/** `a/src/x.js` → `src/x.js`; `/dev/null` → undefined. */
function stripPrefix(name: string | undefined): string | undefined {
  if (!name || name === '/dev/null') return undefined;
  const clean = name.replace(/\t.*$/, '');
  return /^[ab]\//.test(clean) ? clean.slice(2) : clean;
}
