import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Directory } from '../../lambdas/core/ports';
import { EXECUTED_VERSION_HEADER, OUTCOME_HEADER } from '../../lambdas/handlers/api/invoke-target';
import { API_ROUTES, type ApiRouteSpec, BINARY_MEDIA_TYPES } from '../../lambdas/handlers/api/routes';
import { AccessLog } from './access-log';
import { CallerThrottle } from './caller-throttle';

/** API Gateway's integration timeout (REST API default), ms: what a handler has left when it is called. */
const API_GATEWAY_TIMEOUT_MS = 29_000;

/** An API handler module's handler. */
export type LocalApiHandler = (event: APIGatewayProxyEvent, context: unknown) => Promise<APIGatewayProxyResult>;

/** Options of the local API server. */
export interface ApiServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /**
   * The route table.
   * @default API_ROUTES (lambdas/handlers/api/routes.ts)
   */
  readonly routes?: readonly ApiRouteSpec[];
  /**
   * The access log, one JSON line per request (see {@link AccessLog}).
   * @default - none
   */
  readonly accessLogFile?: string;
}

const MAX_BODY_BYTES = 6 * 1024 * 1024; // API Gateway → Lambda payload limit
const JSON_TYPE = { 'content-type': 'application/json' };

/**
 * How long an idle kept-alive connection stays open, in ms. Node's default (5 s) is shorter than
 * clients expect of API Gateway, which keeps connections far longer: under load a client (undici's
 * fetch) reusing a connection just as the server closed it got ECONNRESET. The server announces it
 * (`Keep-Alive: timeout=120`), and clients stop reusing a connection before then.
 */
const KEEP_ALIVE_TIMEOUT_MS = 120_000;
/** Above the keep-alive timeout, so that the next request on a kept connection is not cut off by the headers timer first. */
const HEADERS_TIMEOUT_MS = KEEP_ALIVE_TIMEOUT_MS + 1_000;

/** How much of a body over MAX_BODY_BYTES is still read (and dropped) so that its client gets the 413. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

/** A request API Gateway refuses before any handler runs: its status and message. */
class Refusal extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Local stand-in for API Gateway (REST, Lambda proxy integration) with a Cognito user pool
 * authorizer: routes by the route table, builds the same proxy event, and for `auth` routes sets
 * the authorizer claims from the `X-User` header and the local users file (401 for an unknown
 * user). Routes with a `callerThrottle` get a token bucket per caller (429 with `Retry-After` in
 * seconds when it is empty). Every request, answered by a handler or by the server itself, is
 * written to the access log before the answer goes out. Like API Gateway it refuses, before any
 * handler: a malformed Host header or percent-encoding in the path (400) and a body over the Lambda
 * payload limit of 6 MB (413). Idle connections stay open {@link KEEP_ALIVE_TIMEOUT_MS} (120 s), not Node's 5 s.
 */
export function startApiServer(handlers: Record<string, LocalApiHandler>, directory: Directory, options: ApiServerOptions): Promise<Server> {
  const routes: readonly ApiRouteSpec[] = options.routes ?? API_ROUTES;
  const host = options.host ?? '127.0.0.1';
  const accessLog = options.accessLogFile ? new AccessLog(options.accessLogFile) : undefined;
  const throttles = new Map<ApiRouteSpec, CallerThrottle>();
  for (const route of routes) if (route.callerThrottle) throttles.set(route, new CallerThrottle(route.callerThrottle));

  const server = createServer({ headersTimeout: HEADERS_TIMEOUT_MS }, async (req, res) => {
    const startedAt = performance.now();
    const requestId = randomUUID();
    // The Host header only names the server; it never becomes part of what is routed.
    const url = new URL(req.url ?? '/', 'http://localhost');
    let route: ApiRouteSpec | undefined;
    let caller: string | null = null;
    const reply = (status: number, headers: Record<string, string>, body: string | Buffer | undefined) => {
      accessLog?.write({
        time: new Date().toISOString(),
        requestId,
        caller,
        method: req.method ?? 'GET',
        resource: route?.path ?? null,
        // The approval page's path is its signed link: log the template, never the credential.
        path: route && !route.auth ? route.path : url.pathname,
        status,
        latencyMs: Math.round(performance.now() - startedAt),
        ...(headers[EXECUTED_VERSION_HEADER] ? { executedVersion: headers[EXECUTED_VERSION_HEADER] } : {}),
        ...(headers[OUTCOME_HEADER] ? { outcome: headers[OUTCOME_HEADER] } : {}),
      });
      res.writeHead(status, headers).end(req.method === 'HEAD' ? undefined : body);
    };
    try {
      if (req.headers.host !== undefined && !isHost(req.headers.host)) throw new Refusal(400, 'Bad Request: the Host header is not a host name or address');
      const matches = routes.map((r) => ({ route: r, params: match(r.path, url.pathname) })).filter((m) => m.params);
      const found = matches.find((m) => m.route.method === (req.method === 'HEAD' ? 'GET' : req.method));
      if (!found) {
        const status = matches.length ? 405 : 404;
        reply(status, JSON_TYPE, JSON.stringify({ message: status === 405 ? 'Method Not Allowed' : 'Not Found' }));
        return;
      }
      route = found.route;
      const body = await readBody(req);
      let claims: Record<string, string> | undefined;
      if (route.auth) {
        const user = await directory.find(String(req.headers['x-user'] ?? ''));
        if (!user) {
          reply(401, JSON_TYPE, JSON.stringify({ message: 'Unauthorized: set X-User to a user of the local users file' }));
          return;
        }
        caller = user.id;
        claims = { 'cognito:username': user.id, 'cognito:groups': user.roles.join(','), email: user.email, name: user.name };
      }
      const throttle = throttles.get(route);
      const verdict = throttle?.take(caller ?? '');
      if (throttle && verdict && !verdict.allowed) {
        const { rateLimit, burstLimit } = throttle.limits;
        reply(
          429,
          { ...JSON_TYPE, 'retry-after': String(verdict.retryAfterSeconds) },
          JSON.stringify({ message: `Too Many Requests: at most ${rateLimit} requests/s per caller (burst ${burstLimit}) on ${route.method} ${route.path}` }),
        );
        return;
      }
      const event = toEvent(req, url, route, found.params ?? {}, body, requestId, claims);
      // As Lambda's context: the time left of API Gateway's 29 s integration timeout (Powertools' idempotency expires an in-progress record with it).
      const deadline = Date.now() + API_GATEWAY_TIMEOUT_MS;
      const context = { functionName: `cmv-${route.handler}`, getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
      const result = await handlers[route.handler](event, context);
      reply(result.statusCode, { ...(result.headers as Record<string, string>) }, responseBody(result, req.headers.accept));
    } catch (err) {
      const refused = err instanceof Refusal;
      if (!refused) console.error(err);
      if (!res.headersSent) reply(refused ? err.statusCode : 500, JSON_TYPE, JSON.stringify({ message: refused ? err.message : 'internal error' }));
      else res.end();
    }
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve(server));
  });
}

/** Whether a Host header is a host (name, IPv4 or [IPv6]) with an optional port, and nothing else. */
function isHost(value: string): boolean {
  try {
    const url = new URL(`http://${value}`);
    return url.pathname === '/' && !url.username && !url.password && !url.search && !url.hash && !value.endsWith('/');
  } catch {
    return false;
  }
}

/**
 * Matches an API Gateway path template (`/changes/{id}`) and returns its parameters, decoded.
 * @throws Refusal (400) when a parameter's percent-encoding is malformed
 */
function match(template: string, path: string): Record<string, string> | undefined {
  const t = template.split('/');
  const p = path.replace(/\/$/, '').split('/');
  if (t.length !== p.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const m = /^\{(\w+)\}$/.exec(t[i]);
    if (m) params[m[1]] = decodeSegment(p[i]);
    else if (t[i] !== p[i]) return undefined;
  }
  return params;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new Refusal(400, `Bad Request: malformed percent-encoding in the path segment ${JSON.stringify(segment.slice(0, 100))}`);
  }
}

/**
 * Reads the body. One over MAX_BODY_BYTES is read to its end but not kept (so the client gets the
 * answer rather than a reset connection), then refused.
 * @throws Refusal (413) when the body is over MAX_BODY_BYTES
 */
async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
    // An endless body is not read to its end: the connection is dropped (the client may see a reset).
    else if (size > DRAIN_LIMIT_BYTES) break;
  }
  if (size > MAX_BODY_BYTES)
    throw new Refusal(413, `Request Too Long: the body has ${size} bytes; the limit is ${MAX_BODY_BYTES} (6 MB, Lambda's payload limit)`);
  return chunks.length ? Buffer.concat(chunks).toString('utf8') : null;
}

/**
 * The bytes a handler's answer becomes, as API Gateway (REST, proxy integration) sends them: a
 * base64 body is decoded when the request's first Accept media type is a binary media type of the
 * API, else sent as the base64 text.
 */
function responseBody(result: APIGatewayProxyResult, accept: string | undefined): string | Buffer {
  const first = (accept ?? '').split(',')[0].split(';')[0].trim().toLowerCase();
  return result.isBase64Encoded && (BINARY_MEDIA_TYPES as readonly string[]).includes(first) ? Buffer.from(result.body, 'base64') : result.body;
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  route: ApiRouteSpec,
  pathParameters: Record<string, string>,
  body: string | null,
  requestId: string,
  claims?: Record<string, string>,
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
  const query = Object.fromEntries(url.searchParams);
  return {
    resource: route.path,
    path: url.pathname,
    httpMethod: req.method ?? 'GET',
    headers,
    multiValueHeaders: {},
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: null,
    pathParameters: Object.keys(pathParameters).length ? pathParameters : null,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      authorizer: claims ? { claims } : null,
      httpMethod: req.method ?? 'GET',
      path: url.pathname,
      stage: 'local',
      requestId,
      // API Gateway's: the client's address (an IPv4 one as such, not IPv4-mapped) and its User-Agent.
      identity: { sourceIp: sourceIpOf(req), userAgent: req.headers['user-agent'] ?? null },
    } as never,
  };
}

/** The client's address as API Gateway reports it: `::ffff:127.0.0.1` (IPv4 on a dual-stack socket) as `127.0.0.1`. */
function sourceIpOf(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}
