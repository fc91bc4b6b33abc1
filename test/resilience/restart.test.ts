import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleChange, startStack, waitForStatus } from '../integration/local-stack';

/** State survives a restart: a change waiting for approval can still be approved through the link e-mailed before. */
jest.setTimeout(180_000);

describe('local runtime restart', () => {
  it('resumes a waiting approval after a restart and deploys when the earlier e-mailed link is used', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cmv-restart-'));
    try {
      // Arrange: a change waiting for approval, then the runtime stops.
      const first = await startStack({ dataDir, inMemory: false, speed: 60 });
      const { changeId } = await first.api.propose(await exampleChange('1.1.0-seasonal-bonus.json'));
      await waitForStatus(first.api, changeId, ['awaiting_approval']);
      await new Promise((r) => setTimeout(r, 300));
      await first.stop();
      const mails = await Promise.all((await readdir(join(dataDir, 'outbox'))).map((f) => readFile(join(dataDir, 'outbox', f), 'utf8')));
      const link = mails.find((m) => m.startsWith('To: bob@example.org'))?.match(/https?:\/\/\S+\/approvals\/(\S+)/)?.[1];
      expect(link).toBeDefined();

      // Act: a new runtime on the same data; the old link is used against it.
      const second = await startStack({ dataDir, inMemory: false, speed: 60 });
      try {
        expect((await second.api.change(changeId)).status).toBe('awaiting_approval');
        const res = await fetch(`${second.runtime.url}/approvals/${link}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'decision=approve&comment=after+restart',
        });

        // Assert
        expect(res.status).toBe(200);
        const change = await waitForStatus(second.api, changeId, ['deployed', 'rolled_back', 'failed']);
        expect(change.status).toBe('deployed');
        expect((await second.api.target('benefit-calculator')).liveVersion).toBe('1.1.0');
        expect(await second.api.verify('erin')).toMatchObject({ valid: true });
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    }
  });
});
