import type { APIGatewayProxyEvent } from 'aws-lambda';
import { LedgerContentionError } from '../../../lambdas/core/errors';
import type { Services } from '../../../lambdas/core/use-cases/services';
import { apiHandler } from '../../../lambdas/handlers/http/api-handler';

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
});
