import { GetAliasCommand, GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { sha256Base64, unzipSource } from '../../lambdas/core/artifact';
import type { LedgerEntry } from '../../lambdas/core/ledger';
import type { VersionRecord } from '../../lambdas/core/target';
import { approveByBob, exampleChange, type Stack, startStack, storedVersion, TARGET, waitForStatus } from '../integration/local-stack';

/**
 * Code signing on the local stack, through the HTTP API and the real workflow: the target's
 * function enforces a code signing configuration (the local Lambda checks each package's signature);
 * a change's code is signed by the local Signer and deployed signed; signed code altered afterwards
 * is refused by the local Lambda itself, and the change ends (rolled back, nothing published) with that reason and a ledger entry.
 */
jest.setTimeout(180_000);

describe('code signing (local stack)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ speed: 60 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const version = (v: string): Promise<VersionRecord> => storedVersion(stack, v);
  const entries = async (type: string): Promise<LedgerEntry[]> => (await stack.api.audit({ target: TARGET }, 'dana')).items.filter((e) => e.type === type);
  const live = async () => {
    const alias = (await stack.runtime.lambda.send(new GetAliasCommand({ FunctionName: TARGET, Name: 'live' }))) as { FunctionVersion: string };
    const fn = (await stack.runtime.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: TARGET, Qualifier: alias.FunctionVersion }))) as {
      CodeSha256: string;
    };
    return { functionVersion: alias.FunctionVersion, codeSha256: fn.CodeSha256 };
  };
  const signedUri = (jobId: string) => `s3://cmv-artifacts/code-signing/signed/${jobId}.zip`;

  it('deploys a change as code signed by the signing job recorded on its version', async () => {
    // Act
    const { changeId } = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json'));
    await approveByBob(stack, changeId);
    const change = await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed']);

    // Assert
    expect(change.status).toBe('deployed');
    const { codeSigning, artifact } = await version('1.1.0');
    expect(codeSigning?.jobId).toEqual(expect.any(String));
    const signed = await stack.runtime.services.artifacts.read(signedUri(codeSigning?.jobId ?? ''));
    expect(unzipSource(signed)).toEqual(unzipSource(await stack.runtime.services.artifacts.read(artifact.uri)));
    expect((await live()).codeSha256).toBe(sha256Base64(signed));
    expect((await entries('CodeSigningStarted')).map((e) => e.details)).toEqual([expect.objectContaining({ version: '1.1.0', jobId: codeSigning?.jobId })]);
  });

  it('fails a change whose signed code was altered after signing: the local Lambda refuses it (InvalidCodeSignatureException), nothing moves', async () => {
    // Arrange: one byte of 1.1.0's signed zip changes; a config-only change reuses 1.1.0's code, so its signing job
    const { codeSigning } = await version('1.1.0');
    const uri = signedUri(codeSigning?.jobId ?? '');
    const bytes = Uint8Array.from(await stack.runtime.services.artifacts.read(uri));
    bytes[40] ^= 1;
    await stack.runtime.services.artifacts.write(uri.replace('s3://cmv-artifacts/', ''), bytes, 'application/zip');
    const before = await live();

    // Act
    const body = await exampleChange('1.1.0-seasonal-bonus.json', {
      version: '1.1.1',
      baseVersion: '1.1.0',
      code: undefined,
      config: { MAX_WEEKLY_BENEFIT: '1111', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
    });
    const { changeId } = await stack.api.propose(body);
    await approveByBob(stack, changeId);
    const change = await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed']);

    // Assert: it had taken the target's lock (deploying) when Lambda refused its code, so it ends rolled back, with nothing published
    expect(change.status).toBe('rolled_back');
    expect(change.reason).toMatch(/Lambda refused the code: InvalidCodeSignatureException/);
    expect((await entries('CodeSigningFailed')).find((e) => e.changeId === changeId)).toMatchObject({
      actor: 'cmv-workflow',
      details: { version: '1.1.1', by: 'lambda', jobId: codeSigning?.jobId },
    });
    expect(await live()).toEqual(before);
  });
});
