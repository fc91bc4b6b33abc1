import { LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaFunctionHost } from '../../adapters/lambda-functions';
import type { FunctionHost } from '../../core/ports';
import type { Port } from '../build-services';
import { traced } from '../observability';

/** The `functions` port: the target functions, their versions and aliases, through Lambda. */
export const lambdaFunctions: Port<FunctionHost> = {
  sdkClient: (credentials) => traced(new LambdaClient(credentials ? { credentials } : {})),
  adapter: (lambda) => new LambdaFunctionHost(lambda),
};
