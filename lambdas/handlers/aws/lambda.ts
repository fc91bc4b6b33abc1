import { LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaFunctionHost } from '../../adapters/lambda-functions';
import type { FunctionHost } from '../../core/ports';
import { traced } from '../observability';

/** The `functions` port in AWS: the target functions, their versions and aliases, through Lambda. */
export const lambdaFunctions = (): FunctionHost => new LambdaFunctionHost(traced(new LambdaClient({})));
