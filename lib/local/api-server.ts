import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Directory } from '../../lambdas/core/ports';
import { API_ROUTES, type ApiRoute } from '../../lambdas/handlers/api/routes';

/** An API handler module's handler. */
export type LocalApiHandler = (event: APIGatewayProxyEvent, context: unknown) => Promise<APIGatewayProxyResult>;

const MAX_BODY_BYTES = 6 * 1024 * 1024; // API Gateway → Lambda payload limit

/**
 * Local stand-in for API Gateway (REST, Lambda proxy integration) with a Cognito user pool
 * authorizer: routes by API_ROUTES, builds the same proxy event, and for `auth` routes sets the
 * authorizer claims from the `X-User` header and the local users file (401 for an unknown user).
 */
export function startApiServer(handlers: Record<string, LocalApiHandler>, directory: Directory, port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? host}`);
      const matches = API_ROUTES.map((r) => ({ route: r, params: match(r.path, url.pathname) })).filter((m) => m.params);
      const found = matches.find((m) => m.route.method === (req.method === 'HEAD' ? 'GET' : req.method));
      if (!found) {
        const status = matches.length ? 405 : 404;
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ message: status === 405 ? 'Method Not Allowed' : 'Not Found' }));
        return;
      }
      const body = await readBody(req);
      let claims: Record<string, string> | undefined;
      if (found.route.auth) {
        const user = directory.find(String(req.headers['x-user'] ?? ''));
        if (!user) {
          res
            .writeHead(401, { 'content-type': 'application/json' })
            .end(JSON.stringify({ message: 'Unauthorized: set X-User to a user of the local users file' }));
          return;
        }
        claims = { 'cognito:username': user.id, 'cognito:groups': user.roles.join(','), email: user.email, name: user.name };
      }
      const event = toEvent(req, url, found.route, found.params ?? {}, body, claims);
      const result = await handlers[found.route.handler](event, { functionName: `cmv-${found.route.handler}` });
      res.writeHead(result.statusCode, { ...(result.headers as Record<string, string>) });
      res.end(req.method === 'HEAD' ? undefined : result.body);
    } catch (err) {
      console.error(err);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'internal error' }));
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
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
  route: ApiRoute,
  pathParameters: Record<string, string>,
  body: string | null,
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
      requestId: crypto.randomUUID(),
    } as never,
  };
}
