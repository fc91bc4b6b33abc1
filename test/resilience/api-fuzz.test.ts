import { Agent, request } from 'node:http';
import fc from 'fast-check';
import type { ChainHead } from '../../lambdas/core/ledger';
import { API_ROUTES } from '../../lambdas/handlers/api/routes';
import { type Stack, startStack, TARGET } from '../integration/local-stack';

/**
 * Property-based fuzzing of every route of the REST API over real HTTP (issue #9): arbitrary path
 * segments (bad percent-encodings, long strings, unicode), query strings, headers and bodies (JSON
 * of random shapes, nesting, non-JSON, wrong content types), as every kind of caller. Whatever comes
 * in, the answer is below 500, and a refused request (4xx) leaves the ledger head where it was.
 * Deterministic: a fixed seed and number of runs.
 */
jest.setTimeout(180_000);

const SEED = 20_260_309;
const RUNS = 300;

/** A request as the fuzzer builds it. */
interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** One of `common` most of the time, one of `rare` sometimes. */
const mostly = <T>(common: fc.Arbitrary<T>, rare: fc.Arbitrary<T>) => fc.oneof({ arbitrary: common, weight: 9 }, { arbitrary: rare, weight: 1 });

/** Path segments: ids and names that exist, arbitrary unicode, long strings, malformed percent-encodings. */
const segment: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(TARGET, '1.0.0', '1.1.0', 'no-such-change', 'x'), weight: 4 },
  { arbitrary: fc.uuid(), weight: 1 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }).map(encodeURIComponent), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 40 }).map(encodeURIComponent), weight: 1 },
  // Long: over DynamoDB's key sizes, within Node's 16 KB for the request line and headers.
  { arbitrary: fc.integer({ min: 100, max: 3000 }).map((n) => 'x'.repeat(n)), weight: 1 },
  { arbitrary: fc.integer({ min: 100, max: 1000 }).map((n) => encodeURIComponent('é'.repeat(n))), weight: 1 },
  { arbitrary: fc.constantFrom('%', '%Z', '%ZZ', '%E0%A4%A', '%C0', '%ED%A0%80', '%00', '%2F', '..', '.', '%2e%2e'), weight: 2 },
);

/** A JSON array nested `depth` levels deep. */
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const base64Json = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url');

/** Query values: empty, long, unicode, numbers, and page tokens that decode to JSON of any shape. */
const queryValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '0',
    '-1',
    '1',
    '25',
    '501',
    '1e3',
    'true',
    'NaN',
    TARGET,
    'deployed',
    'ChangeProposed',
    'alice',
    '2026-01-01T00:00:00Z',
    '2026-01-01',
    '2024-01-01T00:00:00+14:00',
    'csv',
    'html',
    'production',
  ),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.integer({ min: 100, max: 3000 }).map((n) => 'q'.repeat(n)),
  fc.jsonValue({ maxDepth: 3 }).map(base64Json),
  fc.record({ chain: fc.constantFrom('main', 'head', 'x'), seq: fc.oneof(fc.integer(), fc.string()) }).map(base64Json),
);
const query: fc.Arbitrary<string> = fc
  .dictionary(
    fc.constantFrom('target', 'status', 'limit', 'nextToken', 'changeId', 'actor', 'type', 'from', 'to', 'dryRun', 'environment', 'format', 'extra'),
    queryValue,
    {
      maxKeys: 4,
    },
  )
  .map((q) => (Object.keys(q).length ? `?${new URLSearchParams(q)}` : ''));

/** Bodies: JSON of random shapes, deep nesting, non-JSON text, nothing. */
const body: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('', '{}', '[]', 'null', '{not json', '{"decision":"approve"}', '{"reason":""}', '{"redeploy":true}', nested(100), nested(5000)),
  fc.json({ maxDepth: 4 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc
    .record({ target: fc.constantFrom(TARGET, 'x'), title: fc.string(), changeType: fc.string(), riskLevel: fc.string(), extra: fc.jsonValue() })
    .map((b) => JSON.stringify(b)),
);

/** Headers: every kind of caller (and none), content types, Accept, and now and then a Host header that is no host. */
const headers: fc.Arbitrary<Record<string, string>> = fc
  .record({
    'x-user': mostly(fc.constantFrom('alice', 'bob', 'carol', 'dana', 'erin', 'frank', 'grace'), fc.constantFrom('nobody', '')),
    'content-type': mostly(
      fc.constantFrom('application/json', 'application/json; charset=utf-8'),
      fc.constantFrom('application/vnd.cmv+json', 'text/plain', 'application/x-www-form-urlencoded', ''),
    ),
    accept: mostly(fc.constantFrom('application/json', 'text/html', '*/*'), fc.constantFrom('image/png', '')),
    host: mostly(fc.constantFrom('127.0.0.1', 'localhost:3000'), fc.constantFrom('[::', 'a b', 'example.org/evil')),
  })
  .map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== '')));

/** A request to one of the API's routes (or its path with another method), every parameter fuzzed. */
const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    route: fc.constantFrom(...API_ROUTES),
    otherMethod: mostly(fc.constant(undefined), fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH')),
    segments: fc.array(segment, { minLength: 2, maxLength: 2 }),
    query,
    headers,
    body,
  })
  .map(({ route, otherMethod, segments, query, headers, body }) => {
    let i = 0;
    const path = route.path.replace(/\{\w+\}/g, () => segments[i++ % segments.length]);
    const method = otherMethod ?? route.method;
    return { method, path: `${path}${query}`, headers, body: method === 'GET' ? undefined : body };
  });

describe('REST API fuzzing (local stack)', () => {
  let stack: Stack;
  const agent = new Agent({ keepAlive: true });
  beforeAll(async () => {
    stack = await startStack({ speed: 60 });
  });
  afterAll(async () => {
    agent.destroy();
    await stack?.stop();
  });

  /** Sends a request as it is (node:http: any Host header, any path bytes), answers its status. */
  const send = (r: FuzzRequest): Promise<number> => {
    const url = new URL(stack.runtime.url);
    return new Promise((resolve, reject) => {
      const req = request({ agent, hostname: url.hostname, port: url.port, method: r.method, path: r.path, headers: r.headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(r.body);
    });
  };
  const head = (): Promise<ChainHead[]> => stack.runtime.services.ledger.heads();

  it('draws requests to every route of the route table (the compliance report included), some with its own parameters', () => {
    // Act: the requests the property below sends
    const sent = fc.sample(fuzzRequest, { seed: SEED, numRuns: RUNS });

    // Assert
    const template = (path: string) => API_ROUTES.find((r) => new RegExp(`^${r.path.replace(/\{\w+\}/g, '[^/?]*')}(\\?|$)`).test(path))?.path;
    expect(new Set(sent.map((r) => template(r.path)))).toEqual(new Set(API_ROUTES.map((r) => r.path)));
    expect(sent.some((r) => r.path.startsWith('/reports/compliance?') && /(from|to|environment|format)=/.test(r.path))).toBe(true);
  });

  it('answers every request below 500, and a refused one writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fuzzRequest, async (r) => {
        const before = await head();

        const status = await send(r);

        expect(status).toBeGreaterThanOrEqual(200);
        expect(status).toBeLessThan(500);
        if (status >= 400) expect(await head()).toEqual(before);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
