import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { requireEnv } from '../../adapters/env';
import type { Settings } from '../../core/use-cases/services';

/**
 * The `linkSecret` port in AWS: the approval links' HMAC secret (LINK_SECRET_ARN) from Secrets
 * Manager, read on first use and kept for the container's life.
 * @throws Error (from the returned function) when LINK_SECRET_ARN is not set
 */
export const secretsManagerLinkSecret = (): Settings['linkSecret'] => {
  let secret: Promise<string> | undefined;
  return () => {
    secret ??= new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: requireEnv('LINK_SECRET_ARN') })).then((out) => out.SecretString ?? '');
    return secret;
  };
};
