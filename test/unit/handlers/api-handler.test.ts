import type { APIGatewayProxyEvent } from 'aws-lambda';
import { LedgerContentionError } from '../../../lambdas/core/errors';
import type { Services } from '../../../lambdas/core/use-cases/services';
import { apiHandler } from '../../../lambdas/handlers/http/api-handler';
import { callerOf } from '../../../lambdas/handlers/http/middleware';

const event = { httpMethod: 'GET', headers: {}, body: null, pathParameters: null, requestContext: {} } as unknown as APIGatewayProxyEvent;

describe('apiHandler()', () => {
  it('answers 503 with Retry-After when the ledger is too contended to commit, never 500', async () => {
    // Arrange
    const handler = apiHandler({} as Services, undefined, async () => {
      throw new LedgerContentionError('the audit ledger is busy');
    });

    // Act
    const res = await handler(event, {});

    // Assert
    expect(res.statusCode).toBe(503);
    expect(res.headers).toMatchObject({ 'retry-after': '1' });
    expect(JSON.parse(res.body)).toEqual({ message: expect.stringContaining('the audit ledger is busy') });
  });

  it("does not cut a request short by the context's time left outside Lambda (the local runtime: every handler shares one process, its wall time measures the machine)", async () => {
    // Arrange: 10 ms left by the context, a handler taking 60 ms.
    const saved = process.env.AWS_LAMBDA_FUNCTION_NAME;
    delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    const handler = apiHandler({} as Services, undefined, async () => {
      await new Promise((r) => setTimeout(r, 60));
      return { statusCode: 200, body: '{}' };
    });

    // Act
    const res = await handler(event, { getRemainingTimeInMillis: () => 10 });
    if (saved !== undefined) process.env.AWS_LAMBDA_FUNCTION_NAME = saved;

    // Assert
    expect(res.statusCode).toBe(200);
  });
});

describe('callerOf()', () => {
  it("carries the request's source IP and user agent (requestContext.identity) with the caller", () => {
    const withIdentity = {
      requestContext: {
        authorizer: { claims: { 'cognito:username': 'bob', 'cognito:groups': 'approver' } },
        identity: { sourceIp: '203.0.113.7', userAgent: 'cmv-cli/1.0' },
      },
    } as unknown as APIGatewayProxyEvent;

    expect(callerOf(withIdentity)).toMatchObject({ id: 'bob', roles: ['approver'], sourceIp: '203.0.113.7', userAgent: 'cmv-cli/1.0' });
  });

  it('has no source IP or user agent when the request context names none', () => {
    const bare = { requestContext: { authorizer: { claims: { 'cognito:username': 'bob' } } } } as unknown as APIGatewayProxyEvent;

    const caller = callerOf(bare);

    expect(caller).not.toHaveProperty('sourceIp');
    expect(caller).not.toHaveProperty('userAgent');
  });
});
