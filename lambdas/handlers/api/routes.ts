/** A route of the REST API. */
export interface ApiRouteSpec {
  readonly method: 'GET' | 'POST';
  /** The API Gateway path template, e.g. `/changes/{id}`. */
  readonly path: string;
  /** The handler module in this folder. */
  readonly handler: string;
  /** `false`: no authorizer (the approval page, whose signed link is the credential). */
  readonly auth: boolean;
  /**
   * Served by the local API server only: the RestApi the CDK stack builds leaves it out, and no
   * Lambda function is created for its handler.
   * @default false
   */
  readonly localOnly?: boolean;
  /**
   * A token bucket per caller, enforced by the local API server: `rateLimit` requests/s refill a
   * bucket of `burstLimit`; a request finding it empty gets 429 with `Retry-After` (s).
   * @default - none
   */
  readonly callerThrottle?: { readonly rateLimit: number; readonly burstLimit: number };
}

/**
 * The REST API: method, path (API Gateway template) and the handler module in this folder.
 * CDK builds the RestApi from this table (leaving out `localOnly` routes); the local API server
 * routes with all of it. `auth: false` routes are the approval page, whose signed link is the credential.
 *
 * `POST /targets/{target}/invoke` is local only: it stands in for the target service's own callers
 * (live traffic of the local runtime, the demo and the tests). In AWS the callers invoke the
 * function's alias themselves, governed by its resource policy, never through CMV's API. Locally
 * it needs the requester or release_admin role, and each caller gets at most 100 requests/s
 * (burst 200): at `CMV_SPEED=60` a 60 s alarm period lasts 1 s, and a 10 % canary needs 5 requests
 * on the new version within it, so the demo and the tests send up to 80 requests/s.
 */
export const API_ROUTES = [
  { method: 'POST', path: '/changes', handler: 'propose-change', auth: true },
  { method: 'GET', path: '/changes', handler: 'list-changes', auth: true },
  { method: 'GET', path: '/changes/{id}', handler: 'get-change', auth: true },
  { method: 'GET', path: '/changes/{id}/report', handler: 'get-report', auth: true },
  { method: 'GET', path: '/changes/{id}/evidence', handler: 'get-evidence', auth: true },
  { method: 'POST', path: '/changes/{id}/approvals', handler: 'decide-approval', auth: true },
  { method: 'POST', path: '/changes/{id}/review', handler: 'record-review', auth: true },
  { method: 'POST', path: '/changes/{id}/pause', handler: 'control-deployment', auth: true },
  { method: 'POST', path: '/changes/{id}/resume', handler: 'control-deployment', auth: true },
  { method: 'POST', path: '/changes/{id}/promote', handler: 'control-deployment', auth: true },
  { method: 'POST', path: '/changes/{id}/abort', handler: 'control-deployment', auth: true },
  { method: 'POST', path: '/changes/{id}/advance', handler: 'advance-change', auth: true },
  { method: 'GET', path: '/targets', handler: 'list-targets', auth: true },
  { method: 'POST', path: '/targets', handler: 'register-target', auth: true },
  { method: 'GET', path: '/targets/{target}', handler: 'get-target', auth: true },
  { method: 'GET', path: '/targets/{target}/versions', handler: 'list-versions', auth: true },
  { method: 'GET', path: '/targets/{target}/release-notes', handler: 'get-release-notes', auth: true },
  { method: 'POST', path: '/targets/{target}/versions/{version}/activate', handler: 'activate-version', auth: true },
  {
    method: 'POST',
    path: '/targets/{target}/invoke',
    handler: 'invoke-target',
    auth: true,
    localOnly: true,
    callerThrottle: { rateLimit: 100, burstLimit: 200 },
  },
  { method: 'GET', path: '/audit', handler: 'query-audit', auth: true },
  { method: 'GET', path: '/audit/verify', handler: 'verify-audit', auth: true },
  { method: 'GET', path: '/reports/compliance', handler: 'get-compliance-report', auth: true },
  { method: 'POST', path: '/audit/digests', handler: 'create-digest', auth: true },
  { method: 'GET', path: '/approvals/{token}', handler: 'approval-page', auth: false },
  { method: 'POST', path: '/approvals/{token}', handler: 'approval-page', auth: false },
] as const satisfies readonly ApiRouteSpec[];

/**
 * Media types answered as bytes (API Gateway's `binaryMediaTypes`): a handler answers them base64
 * (`isBase64Encoded`), and API Gateway — and the local API server — sends the bytes when the
 * request's first `Accept` media type is one of them (else the base64 text).
 */
export const BINARY_MEDIA_TYPES = ['application/zip'] as const;

export type ApiRoute = (typeof API_ROUTES)[number];
export type ApiHandlerName = ApiRoute['handler'];

/** A route of the RestApi in AWS (not local only). */
export type AwsApiRoute = Exclude<ApiRoute, { readonly localOnly: true }>;
export type AwsApiHandlerName = AwsApiRoute['handler'];

/** Whether a route is served by the local API server only. */
export const isLocalOnly = (route: ApiRouteSpec): boolean => route.localOnly === true;

/** The routes the CDK stack builds the RestApi (and the API functions) from. */
export const AWS_API_ROUTES: readonly AwsApiRoute[] = API_ROUTES.filter((r): r is AwsApiRoute => !isLocalOnly(r));

/** The local-only invoke route: its per-caller throttle is what the demo's and the tests' traffic stays under. */
export const INVOKE_ROUTE = API_ROUTES.find((r) => r.handler === 'invoke-target') as Extract<ApiRoute, { handler: 'invoke-target' }>;
