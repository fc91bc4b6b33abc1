import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerLinkKeys } from '../../adapters/secrets-manager-link-keys';
import type { LinkKeys } from '../../core/ports';
import type { Port } from '../build-services';
import { traced } from '../observability';

/**
 * The `linkKeys` port, AWS only (the local runtime's key is a file): the approval links' HMAC keys,
 * the AWSCURRENT and AWSPREVIOUS versions of the secret `names.linkSecretArn` in Secrets Manager
 * ({@link SecretsManagerLinkKeys}, on the SDK's client class, which Powertools' SecretsProvider takes).
 */
export const secretsManagerLinkKeys: Port<LinkKeys, SecretsManagerClient> = {
  sdkClient: () => traced(new SecretsManagerClient({})),
  adapter: (client, names) => new SecretsManagerLinkKeys(client, names.linkSecretArn),
};
