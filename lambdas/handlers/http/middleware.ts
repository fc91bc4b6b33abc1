import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ZodError, type ZodType } from 'zod';
import type { RequestOrigin } from '../../core/actor';
import { type FieldError, ForbiddenError, LedgerContentionError, UnauthorizedError, ValidationError } from '../../core/errors';
import { Role } from '../../core/policy/change-policy';
import type { Caller } from '../../core/use-cases/services';
import { logger } from '../observability';

type Mw = MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult>;

/** Maps zod issues to `{path, message}` with dotted paths (`code.diff`, `canary.steps.1`). */
export function fieldErrors(err: ZodError): FieldError[] {
  return err.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
}

/**
 * Parses `source` with `schema`.
 * @throws ValidationError (400) listing every bad field, with `what` ("body", "query") in the message
 */
export function parseWith<T>(schema: ZodType<T>, source: unknown, what: string): T {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const errors = fieldErrors(result.error);
  throw new ValidationError(`invalid ${what}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
}

/** Validates the parsed JSON body with zod and replaces it with the parsed value (defaults applied). */
export function validateBody<T>(schema: ZodType<T>): Mw {
  return {
    before: async (request) => {
      (request.event as { body: unknown }).body = parseWith(schema, request.event.body, 'request body');
    },
  };
}

/**
 * Turns errors into JSON responses: `{message, errors?}` with the error's status when below 500
 * (our typed errors, middy's http errors), else an opaque 500 whose detail goes to the log only.
 * Use last, as middy's http-error-handler.
 */
export function jsonErrors(): Mw {
  return {
    onError: async (request) => {
      const err = request.error as (Error & { statusCode?: number; expose?: boolean; errors?: FieldError[] }) | null;
      if (!err) return;
      let statusCode = err.statusCode ?? 500;
      let body: Record<string, unknown>;
      if (err instanceof LedgerContentionError) {
        // Busy, not broken: the caller may try again; nothing was written.
        request.response = json(503, { message: err.message });
        request.response.headers = { ...request.response.headers, 'retry-after': String(err.retryAfterSeconds) };
        return;
      }
      if (err instanceof ZodError) {
        statusCode = 400;
        body = { message: 'invalid request', errors: fieldErrors(err) };
      } else if (statusCode < 500) {
        body = { message: err.message, ...(err.errors?.length ? { errors: err.errors } : {}) };
      } else {
        logger.error('internal error', err);
        statusCode = 500;
        body = { message: 'internal error' };
      }
      request.response = json(statusCode, body);
    },
  };
}

/** A JSON response. */
export function json(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: JSON.stringify(body) };
}

/**
 * The caller, from the authorizer's claims: Cognito user pool claims behind API Gateway
 * (`cognito:username`, `cognito:groups`, `email`), which the local API server also sets from the
 * `X-User` header and the local users file; with the request's origin (`requestContext.identity`'s
 * sourceIp and userAgent, which the local API server sets from the socket and the header).
 * @throws UnauthorizedError (401) when there is no authenticated caller
 */
export function callerOf(event: Pick<APIGatewayProxyEvent, 'requestContext'>): Caller {
  const claims = (event.requestContext?.authorizer?.claims ?? {}) as Record<string, unknown>;
  const id = claims['cognito:username'];
  if (typeof id !== 'string' || !id) throw new UnauthorizedError('no authenticated caller');
  const groups = claims['cognito:groups'];
  const list = Array.isArray(groups) ? groups : typeof groups === 'string' ? groups.split(/[,\s]+/) : [];
  return {
    id,
    name: typeof claims.name === 'string' ? claims.name : id,
    email: typeof claims.email === 'string' ? claims.email : '',
    // The groups are the deployment's roles (built-in and the policy's): any group named like a role counts.
    roles: list.filter((g): g is Role => Role.safeParse(g).success),
    ...originOf(event),
  };
}

/** The request's source IP and user agent, where API Gateway (or the local API server) named them. */
export function originOf(event: Pick<APIGatewayProxyEvent, 'requestContext'>): RequestOrigin {
  const identity = event.requestContext?.identity as Partial<Record<'sourceIp' | 'userAgent', unknown>> | undefined;
  return {
    ...(typeof identity?.sourceIp === 'string' && identity.sourceIp ? { sourceIp: identity.sourceIp } : {}),
    ...(typeof identity?.userAgent === 'string' && identity.userAgent ? { userAgent: identity.userAgent } : {}),
  };
}

/**
 * Requires one of `roles`.
 * @throws ForbiddenError (403)
 */
export function requireRole(caller: Pick<Caller, 'roles'>, ...roles: Role[]): void {
  if (!roles.some((r) => caller.roles.includes(r))) {
    throw new ForbiddenError(`this needs one of the roles: ${roles.join(', ')}`);
  }
}
