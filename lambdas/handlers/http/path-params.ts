import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ZodType } from 'zod';
import * as z from 'zod';
import { ChangeId, SemanticVersion, TargetName } from '../../core/change-request';
import { parseWith } from './middleware';

/**
 * The path parameters of the API's routes. Handlers validate them before any DynamoDB call, so a
 * parameter no record can have (too long for a key, not a target name or a version) is a 400
 * naming it rather than a DynamoDB error.
 */
export const ChangePath = z.object({ id: ChangeId });
export const TargetPath = z.object({ target: TargetName });
export const VersionPath = z.object({ target: TargetName, version: SemanticVersion });

/**
 * The event's path parameters, parsed with `schema`.
 * @throws ValidationError (400) naming each bad parameter (`id`, `target`, `version`)
 */
export function pathParams<T>(event: Pick<APIGatewayProxyEvent, 'pathParameters'>, schema: ZodType<T>): T {
  return parseWith(schema, event.pathParameters ?? {}, 'path');
}
