import {
  DeleteFunctionCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  type LambdaClient,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  type PublishVersionCommandOutput,
  PutProvisionedConcurrencyConfigCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { ConflictError, DeploymentError, NotFoundError, StaleAliasError } from '../core/errors';
import { type AliasState, CodeRefusedError, type FunctionHost, type Invocation, type ProvisionedConcurrency, type PublishedVersion } from '../core/ports';
import type { AwsClient } from './aws-client';

/**
 * The target's Lambda function. Publishing uploads the zip, sets the environment and the change's
 * description, waits for each update to finish, and publishes exactly what it checked $LATEST holds
 * (see {@link LambdaFunctionHost.publish}). Alias updates carry `RevisionId`: a concurrent change fails instead of being overwritten.
 */
export class LambdaFunctionHost implements FunctionHost {
  constructor(private readonly lambda: AwsClient) {}

  /**
   * Publishes the change's code and config as a new version, and only them. Another writer may
   * update the function at any moment between CMV's updates and its PublishVersion; so, once its
   * own updates are done, CMV reads `$LATEST` and checks that it holds the artifact's code
   * (`CodeSha256`), `env` and the change's description, then publishes with that configuration's
   * `RevisionId` (and `CodeSha256`): Lambda refuses the publish if anything changed since the check
   * (PreconditionFailedException). The RevisionId must be read after the wait, not taken from the
   * update's answer: Lambda gives `$LATEST` a new revision when an update completes.
   *
   * Any interference fails the change rather than retrying: nothing is published, and CMV does not
   * fight another writer over a function it deploys — a person should find out who else writes to it.
   * @throws DeploymentError "function … changed while CMV published …; nothing was published" when
   *   another writer's code or config is found or lands before the publish, or when PublishVersion
   *   answers no version or another CodeSha256
   */
  async publish(functionName: string, zip: Uint8Array, env: Record<string, string>, expectedSha256: string, description: string): Promise<PublishedVersion> {
    try {
      await this.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: functionName, ZipFile: zip }));
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'CodeVerificationFailedException' || name === 'InvalidCodeSignatureException')
        throw new CodeRefusedError(`Lambda refused the code: ${name}: ${(err as Error).message}`, { cause: err });
      throw err;
    }
    await this.waitUpdated(functionName);
    // The description goes on $LATEST too: Lambda publishes no new version when $LATEST is unchanged
    // since the latest one, so a redeploy of the live code and config would get the live version back
    // (and no canary can route to its own primary). With the change in it, each change has its own
    // version, and a retry of the same change still gets the version it published.
    const Description = description.slice(0, 256);
    await this.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: functionName, Environment: { Variables: env }, Description }));
    await this.waitUpdated(functionName);
    const interfered = (what: string) =>
      new DeploymentError(`function ${functionName} changed while CMV published ${description}: ${what}; nothing was published`);
    const latest = await this.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    const differs = differences(latest, { codeSha256: expectedSha256, env, description: Description });
    if (differs.length > 0) throw interfered(`its $LATEST differs from the change in ${differs.join(' and ')}`);
    if (!latest.RevisionId) throw new DeploymentError(`GetFunctionConfiguration of ${functionName} returned no RevisionId`);
    let out: PublishVersionCommandOutput;
    try {
      out = await this.lambda.send(
        new PublishVersionCommand({ FunctionName: functionName, CodeSha256: expectedSha256, RevisionId: latest.RevisionId, Description }),
      );
    } catch (err) {
      if ((err as Error).name === 'PreconditionFailedException')
        throw interfered('another update landed between its check and PublishVersion (stale RevisionId)');
      throw err;
    }
    if (!out.Version || !out.CodeSha256) throw new DeploymentError(`PublishVersion of ${functionName} returned no version`);
    if (out.CodeSha256 !== expectedSha256) throw new DeploymentError(`published code hash ${out.CodeSha256} does not match the artifact's ${expectedSha256}`);
    return { functionVersion: out.Version, codeSha256: out.CodeSha256 };
  }

  async getAlias(functionName: string, alias: string): Promise<AliasState> {
    try {
      return toState(await this.lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: alias })));
    } catch (err) {
      const e = err as Error;
      // A registration naming a function or alias that does not exist is the caller's mistake (404), not ours (500).
      if (e.name === 'ResourceNotFoundException') throw new NotFoundError(`alias ${alias} of ${functionName} does not exist: ${e.message}`, { cause: e });
      throw err;
    }
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
    try {
      await this.lambda.send(new DeleteFunctionCommand({ FunctionName: functionName, Qualifier: functionVersion }));
    } catch (err) {
      const e = err as Error;
      // Lambda refuses to delete a version an alias routes to.
      if (e.name === 'ResourceConflictException') throw new ConflictError(`${functionName}:${functionVersion} is in use: ${e.message}`, { cause: e });
      if (e.name === 'ResourceNotFoundException') throw new NotFoundError(`${functionName}:${functionVersion} does not exist: ${e.message}`, { cause: e });
      throw err;
    }
  }

  async putProvisionedConcurrency(functionName: string, functionVersion: string, executions: number): Promise<ProvisionedConcurrency> {
    try {
      const out = await this.lambda.send(
        new PutProvisionedConcurrencyConfigCommand({ FunctionName: functionName, Qualifier: functionVersion, ProvisionedConcurrentExecutions: executions }),
      );
      return toProvisioned(out);
    } catch (err) {
      const e = err as Error;
      // Lambda's refusals of the amount (the account's unreserved minimum) and of a function busy with another operation.
      if (e.name === 'InvalidParameterValueException' || e.name === 'ResourceConflictException')
        throw new ConflictError(`provisioned concurrency ${executions} on ${functionName}:${functionVersion} refused: ${e.message}`, { cause: e });
      throw err;
    }
  }

  async getProvisionedConcurrency(functionName: string, functionVersion: string): Promise<ProvisionedConcurrency | undefined> {
    try {
      return toProvisioned(await this.lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: functionName, Qualifier: functionVersion })));
    } catch (err) {
      if (NO_PROVISIONED.has((err as Error).name)) return undefined;
      throw err;
    }
  }

  async deleteProvisionedConcurrency(functionName: string, functionVersion: string): Promise<boolean> {
    try {
      await this.lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: functionName, Qualifier: functionVersion }));
      return true;
    } catch (err) {
      if (NO_PROVISIONED.has((err as Error).name)) return false;
      throw err;
    }
  }

  private async waitUpdated(functionName: string): Promise<void> {
    // The SDK's waiter is typed on its client class but only sends GetFunction (the stand-in answers it), as any AwsClient does.
    await waitUntilFunctionUpdatedV2({ client: this.lambda as LambdaClient, maxWaitTime: 300, minDelay: 1 }, { FunctionName: functionName });
  }
}

/** What of `$LATEST` is not what CMV set: `code`, `environment`, `description`. */
function differences(
  latest: { CodeSha256?: string; Environment?: { Variables?: Record<string, string> }; Description?: string },
  ours: { codeSha256: string; env: Record<string, string>; description: string },
): string[] {
  const theirs = latest.Environment?.Variables ?? {};
  const keys = new Set([...Object.keys(theirs), ...Object.keys(ours.env)]);
  return [
    ...(latest.CodeSha256 !== ours.codeSha256 ? [`code (CodeSha256 ${latest.CodeSha256})`] : []),
    ...([...keys].some((k) => theirs[k] !== ours.env[k]) ? ['environment'] : []),
    ...((latest.Description ?? '') !== ours.description ? ['description'] : []),
  ];
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

/** What Lambda answers for a version without provisioned concurrency, or a version that no longer exists. */
const NO_PROVISIONED = new Set(['ProvisionedConcurrencyConfigNotFoundException', 'ResourceNotFoundException']);

function toProvisioned(out: {
  RequestedProvisionedConcurrentExecutions?: number;
  AllocatedProvisionedConcurrentExecutions?: number;
  Status?: string;
  StatusReason?: string;
}): ProvisionedConcurrency {
  const status = out.Status === 'READY' || out.Status === 'FAILED' ? out.Status : 'IN_PROGRESS';
  return {
    requested: out.RequestedProvisionedConcurrentExecutions ?? 0,
    allocated: out.AllocatedProvisionedConcurrentExecutions ?? 0,
    status,
    ...(out.StatusReason ? { reason: out.StatusReason } : {}),
  };
}
