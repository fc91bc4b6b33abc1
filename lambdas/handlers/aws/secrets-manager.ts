import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { requireEnv } from '../../adapters/env';
import { SecretsManagerLinkKeys } from '../../adapters/secrets-manager-link-keys';
import type { LinkKeys } from '../../core/ports';
import { traced } from '../observability';

/**
 * The `linkKeys` port in AWS: the approval links' HMAC keys, the AWSCURRENT and AWSPREVIOUS
 * versions of the secret LINK_SECRET_ARN in Secrets Manager ({@link SecretsManagerLinkKeys}).
 * @throws Error when LINK_SECRET_ARN is not set
 */
export const secretsManagerLinkKeys = (): LinkKeys => new SecretsManagerLinkKeys(traced(new SecretsManagerClient({})), requireEnv('LINK_SECRET_ARN'));
