import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { LinkKeys } from '../core/ports';

/** Options of {@link SecretsManagerLinkKeys}. */
export interface SecretsManagerLinkKeysOptions {
  /** How long a key read is used before it is read again, in s. @default 300 */
  readonly maxAgeSeconds?: number;
  /** At most one `fresh` read per this many s (a flood of forged links must not become a flood of reads). @default 60 */
  readonly freshIntervalSeconds?: number;
  /** The clock, in epoch ms. @default Date.now */
  readonly now?: () => number;
}

/**
 * The approval-link keys in one Secrets Manager secret: the version labelled AWSCURRENT signs, and
 * the one labelled AWSPREVIOUS (the current one before the last rotation) still verifies. Each is
 * cached for `maxAgeSeconds` by Powertools' SecretsProvider, which keeps only values it read: a
 * failed read fails this call and the next call reads again. A secret never rotated has no
 * AWSPREVIOUS version (Secrets Manager answers ResourceNotFoundException): only the current key.
 */
export class SecretsManagerLinkKeys implements LinkKeys {
  // Two providers, because Powertools caches by secret name, not by version stage.
  private readonly current: SecretsProvider;
  private readonly previous: SecretsProvider;
  private readonly maxAge: number;
  private readonly freshIntervalMs: number;
  private readonly now: () => number;
  private lastFresh = Number.NEGATIVE_INFINITY;

  constructor(
    client: SecretsManagerClient,
    private readonly secretId: string,
    options: SecretsManagerLinkKeysOptions = {},
  ) {
    this.current = new SecretsProvider({ awsSdkV3Client: client });
    this.previous = new SecretsProvider({ awsSdkV3Client: client });
    this.maxAge = options.maxAgeSeconds ?? 300;
    this.freshIntervalMs = (options.freshIntervalSeconds ?? 60) * 1000;
    this.now = options.now ?? Date.now;
  }

  signing(): Promise<string> {
    return this.read(this.current, 'AWSCURRENT', false) as Promise<string>;
  }

  async verifying(options: { readonly fresh?: boolean } = {}): Promise<readonly string[]> {
    let forceFetch = false;
    if (options.fresh && this.now() - this.lastFresh >= this.freshIntervalMs) {
      this.lastFresh = this.now();
      forceFetch = true;
    }
    const [current, previous] = await Promise.all([this.read(this.current, 'AWSCURRENT', forceFetch), this.read(this.previous, 'AWSPREVIOUS', forceFetch)]);
    return previous === undefined ? [current as string] : [current as string, previous];
  }

  /** @returns the key of the version with that label; undefined for AWSPREVIOUS of a secret never rotated */
  private async read(provider: SecretsProvider, stage: 'AWSCURRENT' | 'AWSPREVIOUS', forceFetch: boolean): Promise<string | undefined> {
    try {
      const value = await provider.get(this.secretId, { maxAge: this.maxAge, forceFetch, sdkOptions: { VersionStage: stage } });
      if (typeof value !== 'string' || !value) throw new Error(`the ${stage} version of the link secret ${this.secretId} has no SecretString`);
      return value;
    } catch (err) {
      if (stage === 'AWSPREVIOUS' && (err as Error).cause instanceof Error && ((err as Error).cause as Error).name === 'ResourceNotFoundException')
        return undefined;
      throw err;
    }
  }
}
