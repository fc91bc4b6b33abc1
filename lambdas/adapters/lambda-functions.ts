import {
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  type LambdaClient,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { ConflictError, DeploymentError, NotFoundError, StaleAliasError } from '../core/errors';
import type { AliasState, FunctionHost, Invocation, PublishedVersion } from '../core/ports';

/**
 * The target's Lambda function. Publishing uploads the zip, sets the environment and the change's
 * description, waits for each update to finish, and publishes with `CodeSha256` so Lambda refuses
 * code other than the artifact's. Alias updates carry `RevisionId`: a concurrent change fails instead of being overwritten.
 */
export class LambdaFunctionHost implements FunctionHost {
  constructor(private readonly lambda: LambdaClient) {}

  async publish(functionName: string, zip: Uint8Array, env: Record<string, string>, expectedSha256: string, description: string): Promise<PublishedVersion> {
    await this.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: functionName, ZipFile: zip }));
    await this.waitUpdated(functionName);
    // The description goes on $LATEST too: Lambda publishes no new version when $LATEST is unchanged
    // since the latest one, so a redeploy of the live code and config would get the live version back
    // (and no canary can route to its own primary). With the change in it, each change has its own
    // version, and a retry of the same change still gets the version it published.
    const Description = description.slice(0, 256);
    await this.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: functionName, Environment: { Variables: env }, Description }));
    await this.waitUpdated(functionName);
    const out = await this.lambda.send(new PublishVersionCommand({ FunctionName: functionName, CodeSha256: expectedSha256, Description }));
    if (!out.Version || !out.CodeSha256) throw new DeploymentError(`PublishVersion of ${functionName} returned no version`);
    if (out.CodeSha256 !== expectedSha256) throw new DeploymentError(`published code hash ${out.CodeSha256} does not match the artifact's ${expectedSha256}`);
    return { functionVersion: out.Version, codeSha256: out.CodeSha256 };
  }

  async getAlias(functionName: string, alias: string): Promise<AliasState> {
    return toState(await this.lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: alias })));
  }

  async updateAlias(
    functionName: string,
    alias: string,
    route: { functionVersion: string; additionalVersion?: string; additionalWeight?: number },
    revisionId: string,
  ): Promise<AliasState> {
    try {
      const out = await this.lambda.send(
        new UpdateAliasCommand({
          FunctionName: functionName,
          Name: alias,
          FunctionVersion: route.functionVersion,
          RoutingConfig: { AdditionalVersionWeights: route.additionalVersion ? { [route.additionalVersion]: route.additionalWeight ?? 0 } : {} },
          RevisionId: revisionId,
        }),
      );
      return toState(out);
    } catch (err) {
      if ((err as Error).name === 'PreconditionFailedException') {
        throw new StaleAliasError(`alias ${alias} of ${functionName} was changed by someone else (stale RevisionId)`);
      }
      if ((err as Error).name === 'ResourceNotFoundException') {
        throw new ConflictError(`alias ${alias} of ${functionName} cannot route to version ${route.functionVersion}: ${(err as Error).message}`);
      }
      throw err;
    }
  }

  async invoke(functionName: string, qualifier: string, payload: unknown): Promise<Invocation> {
    const out = await this.lambda.send(new InvokeCommand({ FunctionName: functionName, Qualifier: qualifier, Payload: Buffer.from(JSON.stringify(payload)) }));
    const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : 'null';
    return { executedVersion: out.ExecutedVersion ?? '', ok: !out.FunctionError, payload: text ? JSON.parse(text) : null };
  }

  async listVersions(functionName: string): Promise<string[]> {
    // A Marker loop, not paginateListVersionsByFunction: the SDK paginator accepts only a real
    // LambdaClient instance, and the local runtime passes its stand-in.
    const versions: string[] = [];
    let marker: string | undefined;
    do {
      const page = await this.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: functionName, Marker: marker }));
      for (const v of page.Versions ?? []) if (v.Version && v.Version !== '$LATEST') versions.push(v.Version);
      marker = page.NextMarker;
    } while (marker);
    return versions.sort((a, b) => Number(a) - Number(b));
  }

  async aliasVersions(functionName: string): Promise<string[]> {
    const versions = new Set<string>();
    let marker: string | undefined;
    do {
      const page = await this.lambda.send(new ListAliasesCommand({ FunctionName: functionName, Marker: marker }));
      for (const a of page.Aliases ?? []) {
        if (a.FunctionVersion) versions.add(a.FunctionVersion);
        for (const v of Object.keys(a.RoutingConfig?.AdditionalVersionWeights ?? {})) versions.add(v);
      }
      marker = page.NextMarker;
    } while (marker);
    return [...versions].sort((a, b) => Number(a) - Number(b));
  }

  async describeVersion(functionName: string, functionVersion: string): Promise<{ codeSha256: string; env: Record<string, string> }> {
    try {
      const out = await this.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: functionVersion }));
      return { codeSha256: out.CodeSha256 ?? '', env: out.Environment?.Variables ?? {} };
    } catch (err) {
      if ((err as Error).name === 'ResourceNotFoundException')
        throw new NotFoundError(`${functionName}:${functionVersion} does not exist: ${(err as Error).message}`);
      throw err;
    }
  }

  async deleteVersion(functionName: string, functionVersion: string): Promise<void> {
    if (!/^\d+$/.test(functionVersion)) throw new DeploymentError(`refusing to delete ${functionName}:${functionVersion}: not a published version`);
    await this.lambda.send(new DeleteFunctionCommand({ FunctionName: functionName, Qualifier: functionVersion }));
  }

  private async waitUpdated(functionName: string): Promise<void> {
    await waitUntilFunctionUpdatedV2({ client: this.lambda, maxWaitTime: 300, minDelay: 1 }, { FunctionName: functionName });
  }
}

function toState(out: { FunctionVersion?: string; RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> }; RevisionId?: string }): AliasState {
  const [extra] = Object.entries(out.RoutingConfig?.AdditionalVersionWeights ?? {});
  if (!out.FunctionVersion || !out.RevisionId) throw new DeploymentError('alias has no version or revision id');
  return {
    functionVersion: out.FunctionVersion,
    revisionId: out.RevisionId,
    ...(extra ? { additionalVersion: extra[0], additionalWeight: extra[1] } : {}),
  };
}
