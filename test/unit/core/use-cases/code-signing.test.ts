import { sha256Base64 } from '../../../../lambdas/core/artifact';
import { CodeSigningError, CodeSigningInProgressError } from '../../../../lambdas/core/errors';
import { CodeRefusedError, type CodeSigner, type CodeSigningOutcome } from '../../../../lambdas/core/ports';
import { startDeployment } from '../../../../lambdas/core/use-cases/deploy';
import { approved } from '../../../fixtures/deploying';
import type { Fakes } from '../../../fixtures/fakes';
import { FUNCTION, TARGET } from '../../../fixtures/records';

/** AWS Signer in memory: a job per token; its signed zip is the source with a trailing byte (another CodeSha256); `outcome` scripts how jobs end. */
class FakeCodeSigner implements CodeSigner {
  readonly started: { uri: string; versionId: string; token: string }[] = [];
  outcome: 'Succeeded' | 'Failed' | 'InProgress' = 'Succeeded';
  constructor(private readonly fakes: () => Fakes) {}
  async start(source: { uri: string; versionId: string }, token: string): Promise<string> {
    this.started.push({ ...source, token });
    const jobId = `job-${token.slice(0, 8)}`;
    const zip = await this.fakes().artifacts.read(source.uri);
    this.fakes().artifacts.objects.set(`mem://signed/${jobId}.zip`, Uint8Array.from([...zip, 0]));
    return jobId;
  }
  async wait(jobId: string): Promise<CodeSigningOutcome> {
    if (this.outcome === 'Succeeded') return { status: 'Succeeded', signedUri: `mem://signed/${jobId}.zip` };
    if (this.outcome === 'Failed') return { status: 'Failed', reason: 'the zip file already has a signature' };
    return { status: 'InProgress' };
  }
}

/** The approved change chg-1 (version 1.1.0) with a code signer. */
function withSigner(): Fakes & { signer: FakeCodeSigner } {
  const fakes = approved();
  const signer = new FakeCodeSigner(() => fakes);
  (fakes.svc as { codeSigner?: CodeSigner }).codeSigner = signer;
  return { ...fakes, signer };
}

describe('startDeployment() with a code signer', () => {
  it('records the signing job on the version before waiting for it, and publishes the signed zip', async () => {
    // Arrange
    const { svc, store, signer, artifacts } = withSigner();

    // Act
    await startDeployment(svc, 'chg-1');

    // Assert
    const version = await store.getVersion(TARGET, '1.1.0');
    expect(signer.started).toEqual([
      { uri: version?.artifact.uri, versionId: '1', token: Buffer.from(version?.artifact.sha256 ?? '', 'base64').toString('hex') },
    ]);
    expect(version?.codeSigning?.jobId).toBe(`job-${signer.started[0].token.slice(0, 8)}`);
    expect(store.entries.map((e) => e.type)).toEqual(['DeploymentStarted', 'CodeSigningStarted', 'VersionPublished']);
    const signed = await artifacts.read(`mem://signed/${version?.codeSigning?.jobId}.zip`);
    expect(store.entries[2].details).toMatchObject({ signingJobId: version?.codeSigning?.jobId, codeSha256: sha256Base64(signed) });
    expect(sha256Base64(signed)).not.toBe(version?.artifact.sha256);
  });

  it('waits for the recorded job on a retry, starting no second one', async () => {
    const { svc, store, signer } = withSigner();
    signer.outcome = 'InProgress';
    await expect(startDeployment(svc, 'chg-1')).rejects.toThrow(CodeSigningInProgressError);
    signer.outcome = 'Succeeded';

    await startDeployment(svc, 'chg-1');

    expect(signer.started).toHaveLength(1);
    expect(store.entries.map((e) => e.type)).toEqual(['DeploymentStarted', 'CodeSigningStarted', 'VersionPublished']);
  });

  it('fails with the reason and a CodeSigningFailed entry when the signing job failed, publishing nothing', async () => {
    const { svc, store, signer, functions } = withSigner();
    signer.outcome = 'Failed';

    await expect(startDeployment(svc, 'chg-1')).rejects.toThrow(CodeSigningError);

    expect(store.entries.at(-1)).toMatchObject({
      type: 'CodeSigningFailed',
      changeId: 'chg-1',
      details: { version: '1.1.0', by: 'signer', reason: expect.stringMatching(/failed: the zip file already has a signature/) },
    });
    expect(await functions.listVersions(FUNCTION)).toEqual(['1']);
  });

  it('records Lambda refusing the signed code (CodeVerificationFailedException) and fails the change with it', async () => {
    const { svc, store, functions } = withSigner();
    functions.publish = async () => {
      throw new CodeRefusedError('Lambda refused the code: InvalidCodeSignatureException: Lambda cannot deploy the function.');
    };

    await expect(startDeployment(svc, 'chg-1')).rejects.toThrow(/Lambda refused the code: InvalidCodeSignatureException/);

    expect(store.entries.at(-1)).toMatchObject({ type: 'CodeSigningFailed', details: { by: 'lambda', reason: expect.stringMatching(/InvalidCodeSignature/) } });
  });
});
