import middy, { type MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { ZodType } from 'zod';
import type { Services } from '../../core/use-cases/services';
import { observability } from '../observability';
import { jsonBody } from './json-body';
import { jsonErrors, validateBody } from './middleware';

/** An API Lambda handler. */
export type ApiHandler = (event: APIGatewayProxyEvent, context: unknown) => Promise<APIGatewayProxyResult>;

/** Options of {@link apiHandler}. */
export interface ApiHandlerOptions {
  /**
   * Answers a retry of a request with an `Idempotency-Key` (`idempotent` of ./idempotency.ts; given by
   * the handler, so that only its bundle loads Powertools' idempotency utility). @default - the header is ignored
   */
  readonly idempotency?: MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult>;
}

/**
 * Builds an API handler with the middleware order of middy's docs: observability first (logs with
 * the request id and the change id of a `/changes/{id}` path, metrics, tracing: ../observability.ts)
 * → normalize headers → parse the JSON body (400 malformed or too deep, 415 not JSON: jsonBody) →
 * validate it with zod → with `options.idempotency`, answer a retry of a request with an
 * `Idempotency-Key` (./idempotency.ts) → the handler; JSON errors last.
 * @param body - the body schema; omit for requests without a body
 */
export function apiHandler<B>(
  svc: Services,
  body: ZodType<B> | undefined,
  fn: (event: Omit<APIGatewayProxyEvent, 'body'> & { body: B }, svc: Services) => Promise<APIGatewayProxyResult>,
  options: ApiHandlerOptions = {},
): ApiHandler {
  // middy's early timeout (a TimeoutError 5 ms before the context's time is up) only in Lambda: the local runtime runs
  // every handler in one process, where a request's wall time measures the machine's load, not the handler; its
  // context gives the time left of API Gateway's timeout for Powertools' idempotency (the in-progress record's expiry).
  const plugin = process.env.AWS_LAMBDA_FUNCTION_NAME ? {} : { timeoutEarlyInMillis: 0 };
  const h = middy<APIGatewayProxyEvent, APIGatewayProxyResult>(plugin).use(observability()).use(httpHeaderNormalizer());
  if (body) h.use(jsonBody()).use(validateBody(body));
  if (options.idempotency) h.use(options.idempotency);
  return h.use(jsonErrors()).handler((event) => fn(event as unknown as Omit<APIGatewayProxyEvent, 'body'> & { body: B }, svc)) as unknown as ApiHandler;
}

/**
 * An AWS entry point: builds the handler on first call (cold start) with the AWS services, so
 * importing the module (the local runtime does) reads no environment.
 */
export function lazy<H extends (...args: never[]) => unknown>(build: () => H): H {
  let built: H | undefined;
  return ((...args: Parameters<H>) => {
    built ??= build();
    return built(...args);
  }) as H;
}
