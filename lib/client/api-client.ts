import { randomUUID } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import type { CanaryReport } from '../../lambdas/core/canary-report';
import type { Change } from '../../lambdas/core/change';
import type { ComplianceReport } from '../../lambdas/core/compliance-report';
import type { SignedDigest } from '../../lambdas/core/digest';
import type { LedgerEntry } from '../../lambdas/core/ledger';
import type { ChangePlan } from '../../lambdas/core/policy/plan';
import type { ReleaseNotes } from '../../lambdas/core/release-notes';
import type { Target } from '../../lambdas/core/target';
import type { LedgerVerification } from '../../lambdas/core/use-cases/verify-ledger';

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
 * How {@link CmvClient} sends again an answer that says nothing ran: a 429 (throttled at the door)
 * and a 503 with `Retry-After` (CMV's "the ledger is busy: nothing was written, try again").
 * `attempts` counts every send (1: never again); the pause before the next one is the answer's
 * `Retry-After` (s) or else `baseDelayMs` doubled per attempt, with full jitter on top so that
 * callers turned away together do not all come back together, and at most `maxDelayMs` (ms).
 */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** 4 sends over at most about a minute: what a person at the CLI waits for rather than retry by hand. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 20_000 };

/**
 * A small client of the CMV REST API, used by the `cmv` CLI and the demo. Identity: the `X-User`
 * header locally; a Cognito ID token (`Authorization`) behind API Gateway — fixed, or a function
 * asked before each request (the stored sign-in of `cmv login`, which refreshes it). Every call
 * other than a GET carries an `Idempotency-Key` of its own, the same on each send, so a retry
 * ({@link RetryPolicy}) never does twice what the API recorded once.
 */
export class CmvClient {
  constructor(
    readonly baseUrl: string,
    private readonly auth: { user?: string; token?: string | (() => Promise<string | undefined>) },
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  /**
   * Sends a request; `as` overrides the caller for one call (the demo acts as several people).
   * @throws ApiError with the API's last answer when it is not a success (after the retries)
   */
  async request<T>(method: string, path: string, body?: unknown, as?: string): Promise<T> {
    const key = method === 'GET' ? undefined : randomUUID();
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = { accept: 'application/json', ...(await this.identity(as)) };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (key) headers['idempotency-key'] = key;
      const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      const pause = attempt < this.retry.attempts ? this.pauseBeforeRetry(res, attempt) : undefined;
      if (pause !== undefined) {
        await setTimeout(pause);
        continue;
      }
      const parsed = text ? JSON.parse(text) : {};
      if (!res.ok) throw new ApiError(res.status, parsed);
      return parsed as T;
    }
  }

  /** The pause (ms) before sending again, or undefined when this answer is not one to retry. */
  private pauseBeforeRetry(res: Response, attempt: number): number | undefined {
    const retryAfter = Number(res.headers.get('retry-after') ?? Number.NaN);
    const said = Number.isFinite(retryAfter) && retryAfter >= 0;
    if (res.status !== 429 && !(res.status === 503 && said)) return undefined;
    const base = said ? retryAfter * 1000 : this.retry.baseDelayMs * 2 ** (attempt - 1);
    return Math.min(this.retry.maxDelayMs, base + Math.random() * Math.max(base, this.retry.baseDelayMs));
  }

  /** The caller's headers: `X-User` (locally), or the ID token, asked for anew each time when it is a function. */
  private async identity(as?: string): Promise<Record<string, string>> {
    const headers: Record<string, string> = {};
    const user = as ?? this.auth.user;
    if (user) headers['x-user'] = user;
    const token = typeof this.auth.token === 'function' ? await this.auth.token() : this.auth.token;
    if (token) headers.authorization = token;
    return headers;
  }

  /** A GET answered as text (CSV, HTML), as it came. */
  async text(path: string, as?: string): Promise<string> {
    const res = await fetch(`${this.baseUrl}${path}`, { headers: await this.identity(as) });
    const text = await res.text();
    if (!res.ok) throw new ApiError(res.status, text ? JSON.parse(text) : {});
    return text;
  }

  /** GET /changes/{id}/evidence (auditor or release_admin): the change's evidence pack, a zip's bytes. */
  async evidence(id: string, as?: string): Promise<Uint8Array> {
    const res = await fetch(`${this.baseUrl}/changes/${encodeURIComponent(id)}/evidence`, {
      headers: { accept: 'application/zip', ...(await this.identity(as)) },
    });
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (!res.ok) throw new ApiError(res.status, bytes.length ? JSON.parse(Buffer.from(bytes).toString('utf8')) : {});
    return bytes;
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
  /** GET /targets/{name}/release-notes?from=&to=: the notes of the versions above `from` up to `to`, with their Markdown. */
  releaseNotes(name: string, from: string, to: string) {
    return this.request<ReleaseNotes & { markdown: string }>('GET', `/targets/${encodeURIComponent(name)}/release-notes?${new URLSearchParams({ from, to })}`);
  }
  /** POST /targets (release_admin): registers a service whose alias serves the registration's code and config. */
  register(registration: unknown, as?: string) {
    return this.request<Target>('POST', '/targets', registration, as);
  }
  /** POST /changes/{id}/pause | resume | promote | abort (release_admin). */
  control(changeId: string, control: 'pause' | 'resume' | 'promote' | 'abort', reason = '', as?: string) {
    return this.request<Change>('POST', `/changes/${encodeURIComponent(changeId)}/${control}`, { reason }, as);
  }
  /** POST /changes/{id}/advance (requester): the deployed change's artifact as a new change in the next environment. */
  advance(changeId: string, body: { environment: string; version?: string; config?: Record<string, string>; reason?: string }, as?: string) {
    return this.request<{ changeId: string; target: string; version: string; status: string; plan: ChangePlan; promotedFrom: Change['promotedFrom'] }>(
      'POST',
      `/changes/${encodeURIComponent(changeId)}/advance`,
      body,
      as,
    );
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
  /** GET /reports/compliance (auditor or release_admin) as JSON; `query` takes from, to, target, environment. */
  compliance(query: Record<string, string> = {}, as?: string) {
    return this.request<ComplianceReport>('GET', `/reports/compliance?${new URLSearchParams(query)}`, undefined, as);
  }
  /** GET /reports/compliance as CSV or the HTML page, as served. */
  complianceAs(format: 'csv' | 'html', query: Record<string, string> = {}, as?: string) {
    return this.text(`/reports/compliance?${new URLSearchParams({ ...query, format })}`, as);
  }
  /** GET /audit/verify?from=&kept= (auditor, release_admin, cab or executive). */
  verify(as?: string, options: { from?: number; kept?: { seq: number; digestHash: string } } = {}) {
    const query = new URLSearchParams({
      ...(options.from !== undefined ? { from: String(options.from) } : {}),
      ...(options.kept ? { kept: `${options.kept.seq}:${options.kept.digestHash}` } : {}),
    }).toString();
    return this.request<LedgerVerification>('GET', `/audit/verify${query ? `?${query}` : ''}`, undefined, as);
  }
  /** POST /audit/digests (auditor or release_admin): a signed digest of the ledger now. */
  digest(as?: string) {
    return this.request<SignedDigest>('POST', '/audit/digests', {}, as);
  }
}
