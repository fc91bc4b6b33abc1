import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { IDEMPOTENCY_TABLE } from '../../adapters/tables';
import { ConflictError, UnprocessableError } from '../../core/errors';
import type { Services } from '../../core/use-cases/services';

type Mw = MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult>;

/** How long the first answer to a key is kept, s (the record's TTL): a retry within it gets that answer. */
export const IDEMPOTENCY_EXPIRY_SECONDS = 24 * 3600;

/** The request header (normalized to lower case by http-header-normalizer before this runs). */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/**
 * The record's key: the caller and their `Idempotency-Key`, so two callers' keys never meet; null
 * (no record, the request runs as without the header) when the header is absent.
 */
const KEY_PATH = `headers."${IDEMPOTENCY_HEADER}" && [requestContext.authorizer.claims."cognito:username", headers."${IDEMPOTENCY_HEADER}"]`;

/** What must be the same for a retry: the route, its path parameters and the (validated) body. */
const REQUEST_PATH = '[resource, pathParameters, body]';

/**
 * `Idempotency-Key` on a POST, by Powertools' idempotency utility (its middy middleware, records in
 * {@link IDEMPOTENCY_TABLE} through `svc.idempotency`): the first request with a key runs and its
 * answer is kept {@link IDEMPOTENCY_EXPIRY_SECONDS}; a retry with the same key, route and body gets
 * that answer again without running; an error answer is not kept (a retry runs again).
 * Use after the body is validated (the body compared is the parsed one: key order and spacing do not count).
 * @param handler - the handler module, the records' partition (`idempotency#<handler>`)
 * @returns nothing to do when `svc.idempotency` is absent
 * @throws UnprocessableError (422) the key was used with another request
 * @throws ConflictError (409) the first request with the key is still in progress
 */
export function idempotent(svc: Services, handler: string): Mw | undefined {
  if (!svc.idempotency) return undefined;
  const inner = makeHandlerIdempotent({
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: svc.idempotency.table,
      // The tables' client (traced in AWS; locally the IAM-checked one): Powertools sends it DynamoDB's own commands.
      awsSdkV3Client: svc.idempotency.client as DynamoDBClient,
      keyAttr: IDEMPOTENCY_TABLE.partitionKey.name,
      sortKeyAttr: IDEMPOTENCY_TABLE.sortKey.name,
      staticPkValue: `idempotency#${handler}`,
      expiryAttr: IDEMPOTENCY_TABLE.timeToLiveAttribute,
    }),
    config: new IdempotencyConfig({
      eventKeyJmesPath: KEY_PATH,
      payloadValidationJmesPath: REQUEST_PATH,
      expiresAfterSeconds: IDEMPOTENCY_EXPIRY_SECONDS,
    }),
    keyPrefix: handler,
  });
  // Requests whose duplicate check refused them: their onError must not delete the record of the first request.
  const refused = new WeakSet<object>();
  return {
    before: async (request) => {
      try {
        return (await inner.before?.(request as never)) as APIGatewayProxyResult | undefined;
      } catch (err) {
        refused.add(request);
        throw refusal(err);
      }
    },
    after: async (request) => inner.after?.(request as never),
    onError: async (request) => {
      if (!refused.has(request)) await inner.onError?.(request as never);
    },
  };
}

/** Powertools' refusals as the API's errors (4xx JSON); any other error as it is. */
function refusal(err: unknown): unknown {
  const name = err instanceof Error ? err.name : '';
  if (name === 'IdempotencyValidationError') {
    return new UnprocessableError('this Idempotency-Key was used with another request: send a new key for a new request');
  }
  if (name === 'IdempotencyAlreadyInProgressError') {
    return new ConflictError('a request with this Idempotency-Key is in progress: retry when it has been answered');
  }
  return err;
}
