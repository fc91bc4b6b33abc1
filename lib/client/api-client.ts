import type { CanaryReport } from '../../lambdas/core/canary-report';
import type { Change } from '../../lambdas/core/change';
import type { LedgerEntry } from '../../lambdas/core/ledger';
import type { ChangePlan } from '../../lambdas/core/policy/plan';
import type { Target } from '../../lambdas/core/target';

/** An error answer of the API: its status and body (`{message, errors?}`). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly body: { message?: string; errors?: { path: string; message: string }[] },
  ) {
    super(`${status}: ${body.message ?? 'error'}${body.errors?.length ? ` (${body.errors.map((e) => `${e.path}: ${e.message}`).join('; ')})` : ''}`);
  }
}

/** A target as GET /targets/{t} shows it, with its alias routing in %. */
/** GET /targets/{t}: the target's record, and its alias as Lambda reports it now. */
export type TargetView = Omit<Target, 'alias'> & {
  alias: { name: string; functionVersion: string; additionalVersion?: string; additionalWeight?: number; routingPercent: Record<string, number> };
};

/**
 * A small client of the CMV REST API, used by the `cmv` CLI and the demo. Identity: the `X-User`
 * header locally; a Cognito ID token (`Authorization`) behind API Gateway — fixed, or a function
 * asked before each request (the stored sign-in of `cmv login`, which refreshes it).
 */
export class CmvClient {
  constructor(
    readonly baseUrl: string,
    private readonly auth: { user?: string; token?: string | (() => Promise<string | undefined>) },
  ) {}

  /** Sends a request; `as` overrides the caller for one call (the demo acts as several people). */
  async request<T>(method: string, path: string, body?: unknown, as?: string): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const user = as ?? this.auth.user;
    if (user) headers['x-user'] = user;
    const token = typeof this.auth.token === 'function' ? await this.auth.token() : this.auth.token;
    if (token) headers.authorization = token;
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : {};
    if (!res.ok) throw new ApiError(res.status, parsed);
    return parsed as T;
  }

  /** POST /changes?dryRun=true: the plan, nothing written. */
  plan(body: unknown, as?: string) {
    return this.request<{ target: string; version: string; baseVersion: string; artifactSha256: string; plan: ChangePlan }>(
      'POST',
      '/changes?dryRun=true',
      body,
      as,
    );
  }
  propose(body: unknown, as?: string) {
    return this.request<{ changeId: string; target: string; version: string; status: string }>('POST', '/changes', body, as);
  }
  change(id: string) {
    return this.request<Change>('GET', `/changes/${encodeURIComponent(id)}`);
  }
  /** GET /changes/{id}/report: the canary report (JSON). */
  report(id: string) {
    return this.request<CanaryReport>('GET', `/changes/${encodeURIComponent(id)}/report`);
  }
  changes(query: Record<string, string> = {}) {
    return this.request<{ items: Change[]; nextToken?: string }>('GET', `/changes?${new URLSearchParams(query)}`);
  }
  decide(id: string, decision: 'approve' | 'reject', comment: string, as?: string) {
    return this.request<Change>('POST', `/changes/${encodeURIComponent(id)}/approvals`, { decision, comment }, as);
  }
  review(id: string, body: { outcome: string; summary: string; followUps?: string[] }, as?: string) {
    return this.request<Change>('POST', `/changes/${encodeURIComponent(id)}/review`, body, as);
  }
  target(name: string) {
    return this.request<TargetView>('GET', `/targets/${encodeURIComponent(name)}`);
  }
  versions(name: string) {
    return this.request<{ items: (Record<string, unknown> & { version: string; status: string; live: boolean })[] }>(
      'GET',
      `/targets/${encodeURIComponent(name)}/versions`,
    );
  }
  /** POST /changes/{id}/pause | resume | promote | abort (release_admin). */
  control(changeId: string, control: 'pause' | 'resume' | 'promote' | 'abort', reason = '', as?: string) {
    return this.request<Change>('POST', `/changes/${encodeURIComponent(changeId)}/${control}`, { reason }, as);
  }
  activate(name: string, version: string, reason: string, as?: string) {
    return this.request<Target>('POST', `/targets/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/activate`, { reason }, as);
  }
  invoke(name: string, event: unknown) {
    return this.request<{ executedVersion: string; ok: boolean; payload: unknown }>('POST', `/targets/${encodeURIComponent(name)}/invoke`, event);
  }
  /** GET /audit (auditor, release_admin, cab or executive). */
  audit(query: Record<string, string> = {}, as?: string) {
    return this.request<{ items: LedgerEntry[]; nextToken?: string }>('GET', `/audit?${new URLSearchParams(query)}`, undefined, as);
  }
  /** GET /audit/verify (auditor, release_admin, cab or executive). */
  verify(as?: string) {
    return this.request<{ valid: boolean; entries: number; head?: { seq: number; hash: string }; firstBadSeq?: number; reason?: string }>(
      'GET',
      '/audit/verify',
      undefined,
      as,
    );
  }
}
