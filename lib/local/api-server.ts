import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Directory } from '../../lambdas/core/ports';
import { EXECUTED_VERSION_HEADER, OUTCOME_HEADER } from '../../lambdas/handlers/api/invoke-target';
import { API_ROUTES, type ApiRouteSpec } from '../../lambdas/handlers/api/routes';
import { AccessLog } from './access-log';
import { CallerThrottle } from './caller-throttle';

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
 * Local stand-in for API Gateway (REST, Lambda proxy integration) with a Cognito user pool
 * authorizer: routes by the route table, builds the same proxy event, and for `auth` routes sets
 * the authorizer claims from the `X-User` header and the local users file (401 for an unknown
 * user). Routes with a `callerThrottle` get a token bucket per caller (429 with `Retry-After` in
 * seconds when it is empty). Every request, answered by a handler or by the server itself, is
 * written to the access log before the answer goes out.
 */
export function startApiServer(handlers: Record<string, LocalApiHandler>, directory: Directory, options: ApiServerOptions): Promise<Server> {
  const routes: readonly ApiRouteSpec[] = options.routes ?? API_ROUTES;
  const host = options.host ?? '127.0.0.1';
  const accessLog = options.accessLogFile ? new AccessLog(options.accessLogFile) : undefined;
  const throttles = new Map<ApiRouteSpec, CallerThrottle>();
  for (const route of routes) if (route.callerThrottle) throttles.set(route, new CallerThrottle(route.callerThrottle));

  const server = createServer(async (req, res) => {
    const startedAt = performance.now();
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? host}`);
    let route: ApiRouteSpec | undefined;
    let caller: string | null = null;
    const reply = (status: number, headers: Record<string, string>, body: string | undefined) => {
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
        const user = directory.find(String(req.headers['x-user'] ?? ''));
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
      const result = await handlers[route.handler](event, { functionName: `cmv-${route.handler}` });
      reply(result.statusCode, { ...(result.headers as Record<string, string>) }, result.body);
    } catch (err) {
      console.error(err);
      if (!res.headersSent) reply(500, JSON_TYPE, JSON.stringify({ message: 'internal error' }));
      else res.end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve(server));
  });
}

/** Matches an API Gateway path template (`/changes/{id}`) and returns its parameters. */
function match(template: string, path: string): Record<string, string> | undefined {
  const t = template.split('/');
  const p = path.replace(/\/$/, '').split('/');
  if (t.length !== p.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const m = /^\{(\w+)\}$/.exec(t[i]);
    if (m) params[m[1]] = decodeURIComponent(p[i]);
    else if (t[i] !== p[i]) return undefined;
  }
  return params;
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return chunks.length ? Buffer.concat(chunks).toString('utf8') : null;
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
    } as never,
  };
}
