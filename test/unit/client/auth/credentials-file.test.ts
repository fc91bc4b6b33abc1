import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentialsPath, readCredentials, removeCredentials, type StoredCredentials, writeCredentials } from '../../../../lib/client/auth/credentials-file';

const CREDENTIALS: StoredCredentials = {
  userPoolId: 'eu-west-1_AbCdEf123',
  clientId: 'cli-client-id',
  region: 'eu-west-1',
  username: 'alice',
  idToken: 'id-token',
  refreshToken: 'refresh-token',
  expiresAt: '2030-03-17T17:46:40.000Z',
};

describe('credentials-file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-credentials-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('credentialsPath()', () => {
    it('is cmv/credentials.json under XDG_CONFIG_HOME', () => {
      expect(credentialsPath({ XDG_CONFIG_HOME: '/home/alice/.xdg' })).toBe('/home/alice/.xdg/cmv/credentials.json');
    });

    it('is under ~/.config when XDG_CONFIG_HOME is unset or relative (the XDG spec ignores a relative one)', () => {
      expect(credentialsPath({})).toBe(join(homedir(), '.config', 'cmv', 'credentials.json'));
      expect(credentialsPath({ XDG_CONFIG_HOME: 'relative' })).toBe(join(homedir(), '.config', 'cmv', 'credentials.json'));
    });
  });

  describe('writeCredentials()', () => {
    it('writes the file with mode 0600 in a folder of mode 0700, whatever the umask', async () => {
      const path = join(dir, 'config', 'cmv', 'credentials.json');
      const umask = process.umask(0o000);
      try {
        await writeCredentials(path, CREDENTIALS);
      } finally {
        process.umask(umask);
      }

      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, 'config', 'cmv'))).mode & 0o777).toBe(0o700);
      expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(CREDENTIALS);
    });

    it('narrows a folder that exists with wider permissions, and keeps 0600 when it replaces a wider file', async () => {
      const path = join(dir, 'cmv', 'credentials.json');
      await mkdir(join(dir, 'cmv'), { mode: 0o755 });
      await chmod(join(dir, 'cmv'), 0o755);
      await writeFile(path, '{}', { mode: 0o644 });

      await writeCredentials(path, CREDENTIALS);

      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, 'cmv'))).mode & 0o777).toBe(0o700);
    });

    it('replaces the file atomically: no temp file is left beside it', async () => {
      const path = join(dir, 'cmv', 'credentials.json');
      await writeCredentials(path, CREDENTIALS);

      await writeCredentials(path, { ...CREDENTIALS, idToken: 'newer' });

      expect(await readdir(join(dir, 'cmv'))).toEqual(['credentials.json']);
      expect((await readCredentials(path))?.idToken).toBe('newer');
    });

    it('rejects credentials without a refresh token, writing nothing', async () => {
      const path = join(dir, 'cmv', 'credentials.json');

      await expect(writeCredentials(path, { ...CREDENTIALS, refreshToken: '' })).rejects.toThrow();
      await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });

  describe('readCredentials()', () => {
    it('is undefined when nobody signed in', async () => {
      expect(await readCredentials(join(dir, 'missing.json'))).toBeUndefined();
    });

    it('rejects a file that is not the stored shape, naming it and saying to sign in again', async () => {
      const path = join(dir, 'credentials.json');
      await writeFile(path, '{"idToken": 42}');

      await expect(readCredentials(path)).rejects.toThrow(`${path} does not hold credentials cmv can read: run cmv login again`);
    });
  });

  describe('removeCredentials()', () => {
    it('removes the file, and says whether there was one', async () => {
      const path = join(dir, 'cmv', 'credentials.json');
      await writeCredentials(path, CREDENTIALS);

      expect(await removeCredentials(path)).toBe(true);
      expect(await removeCredentials(path)).toBe(false);
      expect(await readCredentials(path)).toBeUndefined();
    });
  });
});
