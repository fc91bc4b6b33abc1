import { chmod, mkdir, readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import * as z from 'zod';

/** What `cmv login` stores: the pool it signed in to, whom, and the tokens. */
export const StoredCredentials = z.object({
  userPoolId: z.string().min(1),
  clientId: z.string().min(1),
  region: z.string().min(1),
  /** The `cognito:username` of the ID token: the CMV user id. */
  username: z.string().min(1),
  /** A Cognito ID token (JWT), as the API's authorizer takes it in `Authorization`. */
  idToken: z.string().min(1),
  refreshToken: z.string().min(1),
  /** When the ID token expires (its `exp` claim), ISO 8601. */
  expiresAt: z.iso.datetime(),
});
export type StoredCredentials = z.infer<typeof StoredCredentials>;

/**
 * `$XDG_CONFIG_HOME/cmv/credentials.json`, or `~/.config/cmv/credentials.json` when XDG_CONFIG_HOME
 * is unset or not absolute (the XDG Base Directory spec says to ignore a relative one).
 */
export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const configHome = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(configHome, 'cmv', 'credentials.json');
}

/**
 * Writes the credentials atomically (temp file + rename, npm `write-file-atomic`) with mode 0600, in
 * a folder of mode 0700 (created if missing, and narrowed if it was wider): tokens are secrets.
 * @throws the file system's error; the previous file is then unchanged
 */
export async function writeCredentials(path: string, credentials: StoredCredentials): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  await writeFileAtomic(path, `${JSON.stringify(StoredCredentials.parse(credentials), null, 2)}\n`, { mode: 0o600 });
}

/**
 * Reads the stored credentials.
 * @returns undefined when there is no file
 * @throws Error naming the file and saying to sign in again when it is not the stored shape; the file system's other errors
 */
export async function readCredentials(path: string): Promise<StoredCredentials | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return StoredCredentials.parse(JSON.parse(text));
  } catch {
    throw new Error(`${path} does not hold credentials cmv can read: run cmv login again (or cmv logout to remove it).`);
  }
}

/** Removes the credentials file; false when there was none. */
export async function removeCredentials(path: string): Promise<boolean> {
  try {
    await rm(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
