import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, CmvClient } from '../../../lib/client/api-client';

/** One scripted answer of the test server: status, headers, body. */
type Answer = { status: number; headers?: Record<string, string>; body: unknown };

describe('CmvClient retries (429, and 503 with Retry-After)', () => {
  let server: Server;
  let url: string;
  const seen: { method?: string; headers: IncomingHttpHeaders }[] = [];
  let script: Answer[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ method: req.method, headers: req.headers });
      const answer = script.shift() ?? { status: 500, body: { message: 'no answer scripted' } };
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body));
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((closed) => server.close(closed));
  });
  beforeEach(() => {
    seen.length = 0;
    script = [];
  });
  const client = () => new CmvClient(url, { user: 'alice' }, { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 });
  const busy: Answer = { status: 503, headers: { 'retry-after': '0' }, body: { message: 'the audit ledger is busy' } };

  it('sends a POST again with the same Idempotency-Key after a 503 with Retry-After, and answers the first success', async () => {
    // Arrange
    script = [busy, busy, { status: 201, body: { changeId: 'c-1' } }];

    // Act
    const answer = await client().propose({ target: 't' });

    // Assert
    expect(answer).toEqual({ changeId: 'c-1' });
    expect(seen).toHaveLength(3);
    const keys = seen.map((s) => s.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys)).toEqual(new Set([keys[0]]));
  });

  it('sends each call with a key of its own', async () => {
    script = [
      { status: 201, body: {} },
      { status: 201, body: {} },
    ];

    await client().propose({ target: 't' });
    await client().propose({ target: 't' });

    expect(seen[0].headers['idempotency-key']).not.toEqual(seen[1].headers['idempotency-key']);
  });

  it('retries a 429 (throttled at the door: nothing ran), with or without Retry-After', async () => {
    script = [
      { status: 429, body: { message: 'Too Many Requests' } },
      { status: 429, headers: { 'retry-after': '0' }, body: { message: 'slow down' } },
      { status: 200, body: { items: [] } },
    ];

    await expect(client().changes()).resolves.toEqual({ items: [] });
    expect(seen).toHaveLength(3);
    expect(seen[0].headers).not.toHaveProperty('idempotency-key');
  });

  it('does not retry a 503 without Retry-After (the server did not say nothing ran), nor a 4xx', async () => {
    script = [{ status: 503, body: { message: 'unavailable' } }];
    await expect(client().propose({})).rejects.toMatchObject({ status: 503 });
    expect(seen).toHaveLength(1);

    seen.length = 0;
    script = [{ status: 409, body: { message: 'busy target' } }];
    await expect(client().propose({})).rejects.toMatchObject({ status: 409 });
    expect(seen).toHaveLength(1);
  });

  it('gives up after its attempts with the last answer as the error', async () => {
    script = [busy, busy, busy, { status: 201, body: {} }];

    const err = await client()
      .propose({})
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 503, message: '503: the audit ledger is busy' });
    expect(seen).toHaveLength(3);
  });
});
