import type { MiddlewareObj } from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { CmvError, ValidationError } from '../../core/errors';

/**
 * How deep a request body may nest (objects and arrays). No CMV request needs more than a few
 * levels; DynamoDB stores documents nested at most 32 levels, so a body stored with the record
 * around it stays within that.
 */
export const MAX_JSON_DEPTH = 20;

/** 415: a body that is not sent as JSON. */
export class UnsupportedMediaTypeError extends CmvError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly statusCode = 415;
}

/**
 * How deeply `value` nests: 0 for a scalar, 1 for a flat object or array. Iterative, so that a
 * hostile body cannot overflow the stack; stops counting once past `limit`.
 */
export function jsonDepth(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > limit) return deepest;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Parses a JSON body with middy's http-json-body-parser, and says what is wrong in CMV's terms:
 * no body (null or empty) leaves `body` undefined, for the schema to accept or refuse; malformed
 * JSON and a body nested deeper than MAX_JSON_DEPTH are a ValidationError (400); a body that is not
 * `application/json` (or `+json`) an UnsupportedMediaTypeError (415).
 */
export function jsonBody(): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  const parser = httpJsonBodyParser();
  return {
    before: async (request) => {
      const event = request.event as { body: unknown };
      if (event.body === null || event.body === '') {
        event.body = undefined;
        return;
      }
      try {
        await parser.before?.(request);
      } catch (err) {
        const cause = (err as { cause?: { package?: string; message?: string } }).cause;
        if (cause?.package !== '@middy/http-json-body-parser') throw err;
        // middy gives the parse error's message as the cause only when the body was not JSON.
        if (cause.message) throw ValidationError.field('(body)', `is not valid JSON (${cause.message})`);
        throw new UnsupportedMediaTypeError('Unsupported Media Type: send the body with content-type application/json');
      }
      if (jsonDepth(event.body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
        throw ValidationError.field('(body)', `is nested deeper than ${MAX_JSON_DEPTH} levels`);
      }
    },
  };
}
