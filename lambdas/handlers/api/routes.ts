/**
 * The REST API: method, path (API Gateway template) and the handler module in this folder.
 * CDK builds the RestApi from this table; the local API server routes with it. `auth: false`
 * routes are the approval page, whose signed link is the credential.
 */
export const API_ROUTES = [
  { method: 'POST', path: '/changes', handler: 'propose-change', auth: true },
  { method: 'GET', path: '/changes', handler: 'list-changes', auth: true },
  { method: 'GET', path: '/changes/{id}', handler: 'get-change', auth: true },
  { method: 'GET', path: '/changes/{id}/report', handler: 'get-report', auth: true },
  { method: 'POST', path: '/changes/{id}/approvals', handler: 'decide-approval', auth: true },
  { method: 'POST', path: '/changes/{id}/review', handler: 'record-review', auth: true },
  { method: 'POST', path: '/changes/{id}/pause', handler: 'control-deployment', auth: true },
  { method: 'POST', path: '/changes/{id}/resume', handler: 'control-deployment', auth: true },
  { method: 'POST', path: '/changes/{id}/promote', handler: 'control-deployment', auth: true },
  { method: 'POST', path: '/changes/{id}/abort', handler: 'control-deployment', auth: true },
  { method: 'GET', path: '/targets', handler: 'list-targets', auth: true },
  { method: 'POST', path: '/targets', handler: 'register-target', auth: true },
  { method: 'GET', path: '/targets/{target}', handler: 'get-target', auth: true },
  { method: 'GET', path: '/targets/{target}/versions', handler: 'list-versions', auth: true },
  { method: 'POST', path: '/targets/{target}/versions/{version}/activate', handler: 'activate-version', auth: true },
  { method: 'POST', path: '/targets/{target}/invoke', handler: 'invoke-target', auth: true },
  { method: 'GET', path: '/audit', handler: 'query-audit', auth: true },
  { method: 'GET', path: '/audit/verify', handler: 'verify-audit', auth: true },
  { method: 'GET', path: '/approvals/{token}', handler: 'approval-page', auth: false },
  { method: 'POST', path: '/approvals/{token}', handler: 'approval-page', auth: false },
] as const;

export type ApiRoute = (typeof API_ROUTES)[number];
export type ApiHandlerName = ApiRoute['handler'];
