import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { ChangePolicy } from '../core/policy/change-policy';
import type { Directory } from '../core/ports';
import type { User } from '../core/user';
import type { AwsClient } from './aws-client';
import { parseDeploymentConfig } from './deployment-config';
import { StaticDirectory } from './static-directory';

interface Loaded {
  readonly directory: StaticDirectory;
  readonly policy: ChangePolicy;
}

/**
 * The users and the policy of a deployment, from its config document in S3 (`s3://bucket/key`):
 * read on first use and kept for the life of the container. No TTL is needed: the key is the
 * document's content hash, so new users or a new policy are a new object, named in the function's
 * configuration, which Lambda serves from new containers. A failed read or an invalid document is
 * not kept: the call fails and the next call reads again. Concurrent first calls share one read.
 */
export class S3DeploymentConfig {
  private loaded: Promise<Loaded> | undefined;

  /** The users, as the handlers look them up. */
  readonly directory: Directory = {
    find: async (id: string): Promise<User | undefined> => (await this.load()).directory.find(id),
    all: async (): Promise<User[]> => (await this.load()).directory.all(),
  };

  /** @param uri - `s3://bucket/key` of the config document */
  constructor(
    private readonly s3: AwsClient,
    private readonly uri: string,
  ) {}

  /**
   * The change-control policy in force.
   * @throws Error when the document cannot be read, or naming its invalid fields
   */
  async policy(): Promise<ChangePolicy> {
    return (await this.load()).policy;
  }

  private load(): Promise<Loaded> {
    this.loaded ??= this.read().catch((err) => {
      this.loaded = undefined;
      throw err;
    });
    return this.loaded;
  }

  private async read(): Promise<Loaded> {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(this.uri);
    if (!match) throw new Error(`the deployment config is not at an s3://bucket/key URI: ${this.uri}`);
    const out = await this.s3.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }));
    if (!out.Body) throw new Error(`the deployment config ${this.uri} has no body`);
    const config = parseDeploymentConfig(await out.Body.transformToString(), this.uri);
    return { directory: new StaticDirectory({ users: config.users }), policy: config.policy };
  }
}
