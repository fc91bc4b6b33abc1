import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** The Chromium the browser tests drive: Debian's `chromium` package, or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** What a machine without it is told (the README's quick start says the same). */
export const missingChromium = (path: string) =>
  `Chromium is missing at ${path}: the browser tests drive Debian's chromium package at /usr/bin/chromium. Install it with \`sudo apt-get install chromium\`, or set CHROMIUM_PATH to another Chromium or Chrome.`;

/**
 * Launches headless Chromium with the flags of a sandbox-less CI container.
 * @throws Error with {@link missingChromium}'s sentence when there is no executable at `path`
 */
export async function launchChromium(path = CHROMIUM): Promise<Browser> {
  if (!existsSync(path)) throw new Error(missingChromium(path));
  return chromium.launch({
    executablePath: path,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
