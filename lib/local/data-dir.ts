import { resolve } from 'node:path';

/** Where `npm start` keeps the local runtime's data unless CMV_DATA_DIR says otherwise: `.cmv` in the repository root, whatever the working directory. */
export const DEFAULT_DATA_DIR = resolve(__dirname, '..', '..', '.cmv');

/** The local runtime's data dir: CMV_DATA_DIR (relative to the working directory) or {@link DEFAULT_DATA_DIR}. */
export function localDataDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.CMV_DATA_DIR ? resolve(env.CMV_DATA_DIR) : DEFAULT_DATA_DIR;
}
