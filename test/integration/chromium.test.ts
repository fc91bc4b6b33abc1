import { accessSync, constants, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { launchChromium, missingChromium, resolveChromium } from './chromium';

jest.setTimeout(180_000);

const npmPackage = JSON.parse(readFileSync(resolve(__dirname, '../../node_modules/@sparticuz/chromium/package.json'), 'utf8')) as {
  version: string;
};

describe('resolveChromium()', () => {
  it('takes CHROMIUM_PATH when it is set', async () => {
    expect(await resolveChromium({ CHROMIUM_PATH: '/opt/chrome/chrome' })).toEqual({ path: '/opt/chrome/chrome', from: 'CHROMIUM_PATH' });
  });

  it('unpacks the Chromium of the npm package @sparticuz/chromium when CHROMIUM_PATH is unset, never /usr/bin/chromium', async () => {
    const chosen = await resolveChromium({}, 'linux-x64');

    expect(chosen).toEqual({
      path: resolve(__dirname, '../../node_modules/.cache/cmv-chromium', npmPackage.version, 'chromium'),
      from: `@sparticuz/chromium ${npmPackage.version}`,
    });
    expect(() => accessSync(chosen.path, constants.X_OK)).not.toThrow();
    // A second call (another test file, a later run) finds the unpacked binary where the first left it.
    expect(await resolveChromium({}, 'linux-x64')).toEqual(chosen);
  });

  it("falls back to Debian's /usr/bin/chromium where the npm package has no binary (it ships Linux x64 only)", async () => {
    expect(await resolveChromium({}, 'linux-arm64')).toEqual({ path: '/usr/bin/chromium', from: "Debian's chromium package" });
  });
});

describe('launchChromium()', () => {
  it("launches the npm package's Chromium (its major version is the package's) when CHROMIUM_PATH is unset", async () => {
    const browser = await launchChromium((await resolveChromium({}, 'linux-x64')).path);
    try {
      expect(browser.version().split('.')[0]).toBe(npmPackage.version.split('.')[0]);
      const page = await browser.newPage();
      await page.setContent('<h1>Review change</h1>');
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Review change');
    } finally {
      await browser.close();
    }
  });

  it('rejects with the sentence that says what to install when there is no Chromium at the path', async () => {
    await expect(launchChromium('/nonexistent/chromium')).rejects.toThrow(missingChromium('/nonexistent/chromium'));
    expect(missingChromium('/x')).toContain('@sparticuz/chromium');
    expect(missingChromium('/x')).toContain('CHROMIUM_PATH');
  });
});
