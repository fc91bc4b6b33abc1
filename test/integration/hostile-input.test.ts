import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { strToU8, zipSync } from 'fflate';
import { EXAMPLE, exampleChange, type Stack, startStack, TARGET } from './local-stack';

/**
 * Hostile input over real HTTP (issue #9): every refusal is a clear 4xx naming the field and the
 * reason, never a 500, and writes nothing. The stack reads file:// artifacts only from its own
 * source root, a temp dir holding a copy of the example's service (changed, so that it is a change)
 * and a crafted zip.
 */
jest.setTimeout(180_000);

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
  const snapshot = async () => ({ head: await stack.runtime.services.ledger.heads(), changes: (await stack.api.changes({ limit: '100' })).items.length });
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

  describe('no 500 from bad input', () => {
    /** The status and JSON body of a request. */
    const answer = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
      const res = await send(method, path, body, headers);
      const text = await res.text();
      return { status: res.status, json: (text.startsWith('{') ? JSON.parse(text) : {}) as { message?: string; errors?: { path: string }[] } };
    };
    const token = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

    it.each([
      ['GET', '/changes/%E0%A4%A'],
      ['GET', '/changes/%ZZ/report'],
      ['POST', '/changes/%E0%A4%A/approvals'],
      ['GET', '/targets/%C0'],
      ['GET', '/approvals/%ZZ'],
      ['POST', '/approvals/%ZZ'],
    ])('answers 400 to %s %s, whose percent-encoding is malformed, as API Gateway does', async (method, path) => {
      const out = await answer(method, path, method === 'POST' ? '{}' : undefined, { 'x-user': 'bob' });

      expect(out.status).toBe(400);
      expect(out.json.message).toMatch(/percent-encoding/);
    });

    it.each(['[::', 'a b', 'example.org/evil'])('answers 400 to a request whose Host header is %j', async (host) => {
      const url = new URL(`${stack.runtime.url}/targets`);
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const req = request({ hostname: url.hostname, port: url.port, path: url.pathname, headers: { host, 'x-user': 'alice' } }, (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on('error', reject);
        req.end();
      });

      expect(status).toBe(400);
    });

    it('answers 413 to a body over 6 MB (the Lambda payload limit), and writes nothing', async () => {
      const before = await snapshot();
      const big = JSON.stringify({ ...(await exampleChange('1.1.0-seasonal-bonus.json')), description: 'x'.repeat(7 * 1024 * 1024) });

      const out = await answer('POST', '/changes', big);

      expect(out.status).toBe(413);
      expect(await snapshot()).toEqual(before);
    });

    it('answers 413 to a 10 MB event and 400 to a 5,000-level nested one sent to a target', async () => {
      const huge = await answer('POST', `/targets/${TARGET}/invoke`, JSON.stringify({ claimId: 'x'.repeat(10 * 1024 * 1024) }));
      const deep = await answer('POST', `/targets/${TARGET}/invoke`, `${'['.repeat(5000)}${']'.repeat(5000)}`);

      expect(huge.status).toBe(413);
      expect(deep.status).toBe(400);
      expect(deep.json.message).toMatch(/nested deeper than/);
    });

    it('answers 400 with a clear message to malformed JSON, and 415 to a body that is not sent as JSON', async () => {
      const malformed = await answer('POST', '/changes', '{not json');
      const wrongType = await answer('POST', '/changes', '{}', { 'content-type': 'text/plain' });

      expect(malformed.status).toBe(400);
      expect(malformed.json.message).toMatch(/not valid JSON/);
      expect(wrongType.status).toBe(415);
      expect(wrongType.json.message).toMatch(/application\/json/);
    });

    it.each([
      ['an object that is no key', { foo: 1 }],
      ['a partial key', { pk: 'CHANGE#x' }],
      ['a key with a value of the wrong type', { pk: 'CHANGE#x', sk: 'CHANGE', kind: 'change', createdKey: 7 }],
      ['an array', [1, 2]],
      ['a key of the ledger', { chain: 'main', seq: 5 }],
      ['a key of another index (byStatus) than the query reads', { pk: 'CHANGE#x', sk: 'CHANGE', status: 'deployed', createdKey: 'k' }],
      ['a key of the index with another partition (a target item)', { pk: 'TARGET#x', sk: 'TARGET', kind: 'target', createdKey: 'k' }],
    ])('answers 400 on nextToken to GET /changes when the token decodes to %s', async (_what, key) => {
      const out = await answer('GET', `/changes?nextToken=${token(key)}`);

      expect(out.status).toBe(400);
      expect(out.json.errors?.map((e) => e.path)).toEqual(['nextToken']);
    });

    it.each([
      ['an object that is no key', '', { foo: 1 }],
      ['a key of the changes table', '', { pk: 'CHANGE#x', sk: 'CHANGE', kind: 'change', createdKey: 'k' }],
      ['a ledger key with a string seq', '', { chain: 'main', seq: 'x' }],
      ['a key of another chain', '', { chain: 'other', seq: 5 }],
      ['a key of another index', 'type=ChangeProposed&', { chain: 'main', seq: 5 }],
      ['a key of another change', 'changeId=c1&', { chain: 'main', seq: 5, changeId: 'c2' }],
    ])('answers 400 on nextToken to GET /audit when the token decodes to %s', async (_what, query, key) => {
      const out = await answer('GET', `/audit?${query}nextToken=${token(key)}`, undefined, { 'x-user': 'erin' });

      expect(out.status).toBe(400);
      expect(out.json.errors?.map((e) => e.path)).toEqual(['nextToken']);
    });

    it('answers 400 naming the empty filters of GET /audit', async () => {
      const out = await answer('GET', '/audit?changeId=&actor=', undefined, { 'x-user': 'erin' });

      expect(out.status).toBe(400);
      expect(out.json.errors?.map((e) => e.path).sort()).toEqual(['actor', 'changeId']);
    });

    const long = 'x'.repeat(3000);
    /** Bodies valid for the routes that need one, so that only the path parameter is wrong. */
    const VALID_BODIES: Record<string, unknown> = {
      approvals: { decision: 'approve', comment: '' },
      review: { outcome: 'successful', summary: 'it went as planned' },
    };
    it.each([
      ['id', 'GET /changes/{id}', 'GET', `/changes/${long}`, 'alice'],
      ['id', 'GET /changes/{id}/report', 'GET', `/changes/${long}/report`, 'alice'],
      ['id', 'POST /changes/{id}/approvals', 'POST', `/changes/${long}/approvals`, 'bob'],
      ['id', 'POST /changes/{id}/pause', 'POST', `/changes/${long}/pause`, 'dana'],
      ['id', 'POST /changes/{id}/review', 'POST', `/changes/${long}/review`, 'dana'],
      ['target', 'GET /targets/{target}', 'GET', `/targets/${long}`, 'alice'],
      ['target', 'GET /targets/{target}/versions', 'GET', `/targets/${long}/versions`, 'alice'],
      ['target', 'POST /targets/{target}/invoke', 'POST', `/targets/${long}/invoke`, 'alice'],
      ['version', 'POST /targets/{target}/versions/{version}/activate', 'POST', `/targets/${TARGET}/versions/1.0.${'1'.repeat(3000)}/activate`, 'dana'],
      ['target', 'POST /targets/{target}/versions/{version}/activate', 'POST', `/targets/${long}/versions/1.0.0/activate`, 'dana'],
      ['changeId', 'GET /audit', 'GET', `/audit?changeId=${long}`, 'erin'],
      ['actor', 'GET /audit', 'GET', `/audit?actor=${long}`, 'erin'],
    ])(
      'answers 400 naming %s to %s when it is 3,000 characters long (DynamoDB keys hold at most 2,048 bytes), and writes nothing',
      async (param, _route, method, path, user) => {
        const before = await snapshot();
        const body = VALID_BODIES[path.split('/').pop() ?? ''];

        const out = await answer(method, path, method === 'POST' ? JSON.stringify(body ?? {}) : undefined, { 'x-user': user });

        expect(out.status).toBe(400);
        expect(out.json.errors?.map((e) => e.path)).toEqual([param]);
        expect(await snapshot()).toEqual(before);
      },
    );
  });
});
