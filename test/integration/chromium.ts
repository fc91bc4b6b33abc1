import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { NPM_CHROMIUM, npmChromiumVersion, unpackNpmChromium } from './npm-chromium';

/** Where the Chromium the browser tests drive comes from, and its executable. */
export interface ChromiumChoice {
  path: string;
  /** `CHROMIUM_PATH`, `@sparticuz/chromium <version>` or `Debian's chromium package`. */
  from: string;
}

/** The only platform whose binary {@link NPM_CHROMIUM}'s tarball holds. */
const NPM_PLATFORM = 'linux-x64';
const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/**
 * Chooses the Chromium: `CHROMIUM_PATH` when set; else on Linux x64 the one inside the npm package
 * {@link NPM_CHROMIUM} (a devDependency, so `npm ci` is all a machine needs), unpacked on first use;
 * elsewhere Debian's chromium package at /usr/bin/chromium, which {@link launchChromium} checks.
 * @param env the environment to read `CHROMIUM_PATH` from
 * @param platform `<process.platform>-<process.arch>`
 * @throws Error when unpacking the npm package's Chromium fails
 */
export async function resolveChromium(env: NodeJS.ProcessEnv = process.env, platform = `${process.platform}-${process.arch}`): Promise<ChromiumChoice> {
  if (env.CHROMIUM_PATH) return { path: env.CHROMIUM_PATH, from: 'CHROMIUM_PATH' };
  if (platform === NPM_PLATFORM) return { path: await unpackNpmChromium(), from: `${NPM_CHROMIUM} ${npmChromiumVersion()}` };
  return { path: DEBIAN_CHROMIUM, from: "Debian's chromium package" };
}

/** What a machine without a Chromium is told (the README's quick start says the same). */
export const missingChromium = (path: string) =>
  `Chromium is missing at ${path}. The browser tests use the Chromium inside the npm package ${NPM_CHROMIUM} (a devDependency that \`npm ci\` installs), which has a binary for Linux x64 only; on another platform install Chromium (on Debian: \`sudo apt-get install chromium\`, at ${DEBIAN_CHROMIUM}) or set CHROMIUM_PATH to a Chromium or Chrome.`;

// Our own flags for a sandbox-less container on a closed network (without the background-networking
// ones Chromium keeps dialling out). Not @sparticuz/chromium's `args`: those are for Lambda, and
// some (--disable-web-security, --allow-running-insecure-content) would loosen the very pages under test.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches headless Chromium — at `path`, or the one {@link resolveChromium} chooses — with the
 * flags of a sandbox-less CI container.
 * @throws Error with {@link missingChromium}'s sentence when there is no executable at the path
 */
export async function launchChromium(path?: string): Promise<Browser> {
  const executablePath = path ?? (await resolveChromium()).path;
  if (!existsSync(executablePath)) throw new Error(missingChromium(executablePath));
  return chromium.launch({ executablePath, args: ARGS });
}
