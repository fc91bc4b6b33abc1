import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { Services } from '../../../lambdas/core/use-cases/services';
import { makeHandler as getChange } from '../../../lambdas/handlers/api/get-change';
import { changeIdOf } from '../../../lambdas/handlers/observability';
import { makeHandler as finalizeDeployment } from '../../../lambdas/handlers/workflow/finalize-deployment';
import { captureLogLines } from './log-capture';

/** Services whose change store fails every read, as DynamoDB does when it is unreachable. */
const unreachableStore = { store: { getChange: async () => Promise.reject(new Error('connect ECONNREFUSED')) } } as unknown as Services;

/** A Lambda context as the runtime passes it (only what the Logger reads). */
const context = (awsRequestId: string) => ({
  awsRequestId,
  functionName: 'cmv-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn',
  memoryLimitInMB: '512',
});

const getChangeEvent = (id: string) =>
  ({
    httpMethod: 'GET',
    resource: '/changes/{id}',
    path: `/changes/${id}`,
    headers: {},
    body: null,
    pathParameters: { id },
    requestContext: { requestId: 'api-req-1', authorizer: { claims: { 'cognito:username': 'alice' } } },
  }) as unknown as APIGatewayProxyEvent;

describe('handler observability', () => {
  it("logs a workflow task's failure as JSON with the change id and the request id", async () => {
    // Arrange
    const handler = finalizeDeployment(unreachableStore) as unknown as (input: unknown, ctx: unknown) => Promise<unknown>;

    // Act
    const lines = await captureLogLines(() => handler({ changeId: 'chg-42' }, context('req-7')));

    // Assert
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'ERROR', message: 'invocation failed', changeId: 'chg-42', function_request_id: 'req-7', service: 'cmv' }),
    );
  });

  it('logs a 500 of GET /changes/{id} with the change id of the path and the request id', async () => {
    // Arrange
    const handler = getChange(unreachableStore);

    // Act
    let status = 0;
    const lines = await captureLogLines(async () => {
      status = (await handler(getChangeEvent('chg-7'), context('req-9'))).statusCode;
    });

    // Assert
    expect(status).toBe(500);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'ERROR', message: 'internal error', changeId: 'chg-7', function_request_id: 'req-9' }));
  });

  it('gives a handler called without a context (the local runtime) the API request id', async () => {
    // Arrange
    const handler = getChange(unreachableStore) as unknown as (event: unknown) => Promise<unknown>;

    // Act
    const lines = await captureLogLines(() => handler(getChangeEvent('chg-8')));

    // Assert
    expect(lines).toContainEqual(expect.objectContaining({ message: 'internal error', changeId: 'chg-8', function_request_id: 'api-req-1' }));
  });

  it("does not carry one invocation's change id into the next", async () => {
    // Arrange
    const handler = finalizeDeployment(unreachableStore) as unknown as (input: unknown, ctx: unknown) => Promise<unknown>;
    await captureLogLines(() => handler({ changeId: 'chg-1' }, context('req-1')));

    // Act: an input without a change id (a malformed one: the task fails on it)
    const lines = await captureLogLines(() => handler({}, context('req-2')));

    // Assert
    expect(lines).toContainEqual(expect.objectContaining({ message: 'invocation failed', function_request_id: 'req-2' }));
    expect(lines.filter((l) => 'changeId' in l)).toEqual([]);
  });
});

describe('changeIdOf()', () => {
  it("reads a workflow input's changeId, a /changes/{id} path's id and a CMV event's detail", () => {
    expect(changeIdOf({ changeId: 'a' })).toBe('a');
    expect(changeIdOf({ resource: '/changes/{id}/approvals', pathParameters: { id: 'b' } })).toBe('b');
    expect(changeIdOf({ detail: { changeId: 'c' } })).toBe('c');
  });

  it('reads no change id from a path parameter of another route', () => {
    expect(changeIdOf({ resource: '/targets/{target}', pathParameters: { target: 'payments' } })).toBeUndefined();
    expect(changeIdOf(undefined)).toBeUndefined();
  });
});

describe('the tracer', () => {
  /** Loads observability.ts afresh with `env`, recording whether Powertools' Tracer module was loaded. */
  const load = (env: Record<string, string | undefined>) => {
    const saved = { ...process.env };
    let tracerLoaded = false;
    Object.assign(process.env, env);
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
    try {
      jest.isolateModules(() => {
        jest.doMock('@aws-lambda-powertools/tracer', () => {
          tracerLoaded = true;
          return jest.requireActual('@aws-lambda-powertools/tracer');
        });
        require('../../../lambdas/handlers/observability');
      });
    } finally {
      process.env = saved;
      jest.dontMock('@aws-lambda-powertools/tracer');
    }
    return tracerLoaded;
  };

  it('is not loaded outside Lambda: its async hook (aws-xray-sdk-core) would slow every promise of the local runtime and the tests', () => {
    expect(load({ AWS_EXECUTION_ENV: undefined })).toBe(false);
  });

  it('is not loaded in Lambda with POWERTOOLS_TRACE_ENABLED=false', () => {
    expect(load({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x', POWERTOOLS_TRACE_ENABLED: 'false' })).toBe(false);
  });

  it('is loaded in Lambda, where the functions run with active tracing', () => {
    expect(load({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x', POWERTOOLS_TRACE_ENABLED: undefined })).toBe(true);
  });
});
