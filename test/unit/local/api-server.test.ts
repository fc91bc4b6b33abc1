import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StaticDirectory } from '../../../lambdas/adapters/static-directory';
import { API_ROUTES, type ApiRouteSpec } from '../../../lambdas/handlers/api/routes';
import { type LocalApiHandler, startApiServer } from '../../../lib/local/api-server';

const directory = new StaticDirectory({
  users: [
    { id: 'alice', name: 'Alice', email: 'alice@example.org', roles: ['requester'] },
    { id: 'carol', name: 'Carol', email: 'carol@example.org', roles: ['requester', 'approver'] },
  ],
});

/** Stand-in handlers: invoke answers as the real one does (executed version and outcome headers), the rest 200 `{}`. */
const ok: LocalApiHandler = async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{}' });
const handlers: Record<string, LocalApiHandler> = Object.fromEntries(API_ROUTES.map((r) => [r.handler, ok]));
handlers['invoke-target'] = async (event) => ({
  statusCode: 200,
  headers: {
    'content-type': 'application/json',
    'x-cmv-executed-version': '3',
    'x-cmv-outcome': JSON.parse(event.body ?? '{}').fail ? 'function_error' : 'ok',
  },
  body: '{"executedVersion":"3"}',
});

describe('startApiServer()', () => {
  let dir: string;
  let server: Server;
  let url: string;
  const start = async (routes: readonly ApiRouteSpec[] = API_ROUTES) => {
    server = await startApiServer(handlers, directory, { port: 0, routes, accessLogFile: join(dir, 'logs', 'api-access.jsonl') });
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  };
  const invoke = (user: string, body: unknown = {}) =>
    fetch(`${url}/targets/benefit-calculator/invoke`, {
      method: 'POST',
      headers: { 'x-user': user, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const accessLog = async () =>
    (await readFile(join(dir, 'logs', 'api-access.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-api-server-'));
  });
  afterEach(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  describe('binary answers', () => {
    it('sends a base64 answer as bytes when the first Accept media type is a binary media type, as API Gateway does; else the base64 text', async () => {
      // Arrange: a handler answering a zip's bytes base64-encoded
      const bytes = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0xff, 0x00]);
      handlers['get-evidence'] = async () => ({
        statusCode: 200,
        headers: { 'content-type': 'application/zip' },
        body: bytes.toString('base64'),
        isBase64Encoded: true,
      });
      await start();
      const get = (accept: string) => fetch(`${url}/changes/chg-1/evidence`, { headers: { 'x-user': 'alice', accept } });

      // Act
      const [zip, any] = await Promise.all([get('application/zip'), get('*/*, application/zip')]);

      // Assert
      expect(Buffer.from(await zip.arrayBuffer())).toEqual(bytes);
      expect(await any.text()).toBe(bytes.toString('base64'));
    });
  });

  describe('per-caller throttle', () => {
    /** The invoke route with a bucket of 2 that refills once in 1000 s: the third request in a row is throttled, whatever the machine's speed. */
    const tight = API_ROUTES.map((r) => (r.handler === 'invoke-target' ? { ...r, callerThrottle: { rateLimit: 0.001, burstLimit: 2 } } : r));

    it('answers 429 with Retry-After in seconds once a caller has spent the burst, and counts each caller apart', async () => {
      await start(tight);

      const statuses = [(await invoke('alice')).status, (await invoke('alice')).status];
      const throttled = await invoke('alice');

      expect(statuses).toEqual([200, 200]);
      expect(throttled.status).toBe(429);
      expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(999);
      expect(Number(throttled.headers.get('retry-after'))).toBeLessThanOrEqual(1000);
      expect(await throttled.json()).toEqual({ message: 'Too Many Requests: at most 0.001 requests/s per caller (burst 2) on POST /targets/{target}/invoke' });
      expect((await invoke('carol')).status).toBe(200);
    });

    it('throttles only the routes that declare a throttle', async () => {
      await start(tight);
      for (let i = 0; i < 3; i++) await invoke('alice');

      const res = await fetch(`${url}/targets/benefit-calculator`, { headers: { 'x-user': 'alice' } });

      expect(res.status).toBe(200);
    });

    it('gives the invoke route of the route table 100 requests/s with a burst of 200 per caller', () => {
      expect(API_ROUTES.find((r) => r.handler === 'invoke-target')).toMatchObject({ callerThrottle: { rateLimit: 100, burstLimit: 200 } });
    });
  });

  describe('connections', () => {
    it("keeps an idle connection open 120 s and tells clients so, not Node's 5 s that reset clients reusing a connection the server was closing", async () => {
      await start();

      const res = await fetch(`${url}/targets/benefit-calculator`, { headers: { 'x-user': 'alice' } });

      // Keep-Alive is what a client (undici's fetch) reads to know how long it may reuse the connection.
      expect(res.headers.get('keep-alive')).toBe('timeout=120');
      expect(server.keepAliveTimeout).toBe(120_000);
      // The headers of the next request on a kept connection must not time out before the connection would.
      expect(server.headersTimeout).toBeGreaterThan(server.keepAliveTimeout);
    });
  });

  describe('proxy event', () => {
    it("sets requestContext.identity's sourceIp from the socket and userAgent from the User-Agent header, as API Gateway does", async () => {
      let seen: { sourceIp?: string; userAgent?: string | null } | undefined;
      handlers['get-target'] = async (event) => {
        seen = event.requestContext.identity;
        return { statusCode: 200, headers: {}, body: '{}' };
      };
      try {
        await start();

        await fetch(`${url}/targets/benefit-calculator`, { headers: { 'x-user': 'alice', 'user-agent': 'auditor-probe/1.0' } });
      } finally {
        handlers['get-target'] = ok;
      }

      expect(seen).toEqual(expect.objectContaining({ sourceIp: '127.0.0.1', userAgent: 'auditor-probe/1.0' }));
    });
  });

  describe('access log', () => {
    it('writes one JSON line per request before answering: time, caller, method, resource, path, status, and for invoke the executed version and outcome', async () => {
      await start();

      await invoke('alice');
      await invoke('carol', { fail: true });
      await invoke('mallory');
      await fetch(`${url}/nowhere`);
      await fetch(`${url}/approvals/secret-link-token`);

      const lines = await accessLog();
      expect(lines).toEqual([
        expect.objectContaining({
          caller: 'alice',
          method: 'POST',
          resource: '/targets/{target}/invoke',
          path: '/targets/benefit-calculator/invoke',
          status: 200,
          executedVersion: '3',
          outcome: 'ok',
        }),
        expect.objectContaining({ caller: 'carol', status: 200, executedVersion: '3', outcome: 'function_error' }),
        expect.objectContaining({ caller: null, path: '/targets/benefit-calculator/invoke', status: 401 }),
        expect.objectContaining({ caller: null, resource: null, path: '/nowhere', status: 404 }),
        // the approval link's token is a credential: logged by its resource only, as API Gateway's access log does
        expect.objectContaining({ caller: null, method: 'GET', resource: '/approvals/{token}', path: '/approvals/{token}', status: 200 }),
      ]);
      for (const line of lines) {
        expect(Date.parse(String(line.time))).not.toBeNaN();
        expect(line.requestId).toEqual(expect.any(String));
        expect(line.latencyMs).toEqual(expect.any(Number));
      }
      expect(JSON.stringify(lines)).not.toContain('secret-link-token');
    });

    it('logs a throttled request with status 429', async () => {
      await start(API_ROUTES.map((r) => (r.handler === 'invoke-target' ? { ...r, callerThrottle: { rateLimit: 0.001, burstLimit: 1 } } : r)));

      await invoke('alice');
      await invoke('alice');

      expect((await accessLog()).map((l) => [l.caller, l.status])).toEqual([
        ['alice', 200],
        ['alice', 429],
      ]);
    });
  });
});
