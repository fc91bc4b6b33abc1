import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { strToU8, zipSync } from 'fflate';
import { EXAMPLE, exampleChange, type Stack, startStack } from './local-stack';

/**
 * Hostile input over real HTTP (issue #9): every refusal is a clear 4xx naming the field and the
 * reason, never a 500, and writes nothing. The stack reads file:// artifacts only from its own
 * source root, a temp dir holding a copy of the example's service (changed, so that it is a change)
 * and a crafted zip.
 */
jest.setTimeout(60_000);

describe('hostile input (local stack)', () => {
  let stack: Stack;
  let sourceRoot: string;
  beforeAll(async () => {
    sourceRoot = await mkdtemp(join(tmpdir(), 'cmv-source-root-'));
    await cp(join(EXAMPLE, 'service'), join(sourceRoot, 'service'), { recursive: true });
    await writeFile(join(sourceRoot, 'service', 'NOTICE'), 'a file 1.0.0 does not have\n');
    await writeFile(
      join(sourceRoot, 'evil.zip'),
      zipSync({ 'src/index.js': strToU8('exports.handler = async () => 1;'), '../../../tmp/cmv-pwned.js': strToU8('x') }),
    );
    stack = await startStack({ speed: 60, sourceRoot });
  });
  afterAll(async () => {
    await stack?.stop();
    await rm(sourceRoot, { recursive: true, force: true });
  });

  /** What a refused request must not change: the ledger head and the number of changes. */
  const snapshot = async () => ({ head: await stack.runtime.services.ledger.head(), changes: (await stack.api.changes({ limit: '100' })).items.length });
  const send = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    fetch(`${stack.runtime.url}${path}`, { method, headers: { 'content-type': 'application/json', 'x-user': 'alice', ...headers }, body });
  /** Sends a change request (dry run or not) and returns the status and the field errors. */
  const propose = async (override: Record<string, unknown>, query = '') => {
    const res = await send('POST', `/changes${query}`, JSON.stringify(await exampleChange('1.1.0-seasonal-bonus.json', override)));
    const json = (await res.json()) as { message: string; errors?: { path: string; message: string }[] };
    return { status: res.status, message: json.message, paths: (json.errors ?? []).map((e) => e.path) };
  };

  describe('zip slip at intake', () => {
    it.each([
      ['climbs out with ..', 'b/../../../../tmp/cmv-pwned.js'],
      ['is absolute', '/tmp/cmv-pwned.js'],
      ['has a .. segment inside', 'b/src/../../cmv-pwned.js'],
      ['has a backslash', 'b/src\\..\\..\\cmv-pwned.js'],
    ])('rejects a diff creating a file whose path %s with 400 on code.diff, and writes nothing', async (_what, path) => {
      const before = await snapshot();

      const out = await propose({ code: { diff: `--- /dev/null\n+++ ${path}\n@@ -0,0 +1 @@\n+pwned\n` } });

      expect(out).toMatchObject({ status: 400, paths: ['code.diff'] });
      expect(out.message).toMatch(/unsafe path/);
      expect(await snapshot()).toEqual(before);
    });

    it('rejects a zip artifact with an entry escaping its directory with 400 on code.artifact, and writes nothing', async () => {
      const before = await snapshot();

      const out = await propose({ code: { artifact: pathToFileURL(join(sourceRoot, 'evil.zip')).href } });

      expect(out).toMatchObject({ status: 400, paths: ['code.artifact'] });
      expect(out.message).toMatch(/unsafe path "\.\.\/\.\.\/\.\.\/tmp\/cmv-pwned\.js"/);
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('file:// artifacts', () => {
    it('plans a change whose file:// source is under the source root', async () => {
      const out = await propose({ code: { artifact: pathToFileURL(join(sourceRoot, 'service')).href } }, '?dryRun=true');

      expect(out.status).toBe(200);
    });

    it.each([
      ['a directory outside the source root', () => pathToFileURL(join(EXAMPLE, 'service')).href, /outside the source root/],
      ['the host file system', () => 'file:///etc', /outside the source root/],
      ['the runtime data dir, which holds the link secret', () => pathToFileURL(stack.dataDir).href, /outside the source root/],
      ['a path under the root that climbs out of it', () => `${pathToFileURL(sourceRoot).href}/../../etc/passwd`, /outside the source root/],
    ])('rejects %s with 400 on code.artifact giving the reason, and writes nothing', async (_what, uri, reason) => {
      const before = await snapshot();

      const out = await propose({ code: { artifact: uri() } }, '?dryRun=true');
      const real = await propose({ code: { artifact: uri() } });

      expect(out).toMatchObject({ status: 400, paths: ['code.artifact'] });
      expect(out.message).toMatch(reason);
      expect(real).toEqual(out);
      expect(await snapshot()).toEqual(before);
    });
  });
});
