import { launchChromium, missingChromium } from './chromium';

describe('launchChromium()', () => {
  it('rejects with the sentence that says what to install when there is no Chromium at the path', async () => {
    await expect(launchChromium('/nonexistent/chromium')).rejects.toThrow(missingChromium('/nonexistent/chromium'));
    expect(missingChromium('/x')).toContain("Debian's chromium package at /usr/bin/chromium");
  });
});
