import middy from '@middy/core';
import type { ZodType } from 'zod';
import type { Services } from '../../core/use-cases/services';
import { observability } from '../observability';

/** A workflow task handler: state input in, result out; typed errors reach the ASL `Catch` by name. */
export type TaskHandler = (input: unknown) => Promise<unknown>;

/**
 * Builds a workflow task handler: parses the state input with zod (a malformed input is a bug in
 * the ASL, so it fails loudly), then calls the use case; observed (../observability.ts), its log
 * lines carry the input's `changeId`.
 */
export function taskHandler<I>(svc: Services, schema: ZodType<I>, fn: (input: I, svc: Services) => Promise<unknown>): TaskHandler {
  return middy(async (input: unknown) => fn(schema.parse(input), svc)).use(observability()) as unknown as TaskHandler;
}
