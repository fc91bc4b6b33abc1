import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8 } from 'fflate';
import { writeSourceFiles } from '../../../lib/local/source-dir';

describe('source-dir', () => {
  describe('writeSourceFiles()', () => {
    let parent: string;
    let dir: string;
    beforeEach(async () => {
      parent = await mkdtemp(join(tmpdir(), 'cmv-source-dir-'));
      dir = join(parent, 'work');
    });
    afterEach(async () => {
      await rm(parent, { recursive: true, force: true });
    });

    it('writes every file under the directory, creating its folders', async () => {
      await writeSourceFiles(dir, { 'src/lib/util.js': strToU8('u'), 'index.js': strToU8('i') });

      expect(await readFile(join(dir, 'src', 'lib', 'util.js'), 'utf8')).toBe('u');
      expect(await readFile(join(dir, 'index.js'), 'utf8')).toBe('i');
    });

    it.each([
      ['a parent-directory escape', '../escaped.txt', 'escaped.txt'],
      ['a parent segment inside', 'src/../../escaped.txt', 'escaped.txt'],
      ['an absolute path', '/escaped.txt', ''],
    ])('rejects %s and writes none of the files, even when the paths were not checked before', async (_what, path, outside) => {
      // Arrange: files as a hostile zip would give them, bypassing unzipSource's checks.
      const files = { 'index.js': strToU8('ok'), [path]: strToU8('pwned') };

      // Act
      const error = await writeSourceFiles(dir, files).catch((e: unknown) => e);

      // Assert
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain(JSON.stringify(path));
      if (outside) expect(existsSync(join(parent, outside))).toBe(false);
      expect(existsSync(join(dir, 'index.js'))).toBe(false);
    });
  });
});
