import * as path from 'node:path';

/** The repository root: handler entries, the ASL file and the examples are resolved from here, not from the cwd. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** An absolute path inside the repository, from path segments relative to its root. */
export const repoPath = (...segments: string[]): string => path.join(REPO_ROOT, ...segments);
