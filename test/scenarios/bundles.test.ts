import { GetAliasCommand, ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';
import type { LedgerEntry } from '../../lambdas/core/ledger';
import type { VersionRecord } from '../../lambdas/core/target';
import { ApiError } from '../../lib/client/api-client';
import { approveByBob, exampleChange, type Stack, startStack, storedVersion, TARGET, waitForStatus } from '../integration/local-stack';

/**
 * Signed bundles on the local stack, through the HTTP API and the real workflow: the registered
 * version and each change's version get a signed manifest; a stored bundle with one byte changed is
 * refused at activate (409) and at publish (the change fails), with a ledger entry, and nothing moves.
 */
jest.setTimeout(180_000);

describe('signed bundles (local stack)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ speed: 60 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const version = (v: string): Promise<VersionRecord> => storedVersion(stack, v);
  /** Someone with write access to the artifact bucket changes one byte of a stored object (a byte of a file's data, near the start). */
  const changeOneByte = async (uri: string) => {
    const bytes = Uint8Array.from(await stack.runtime.services.artifacts.read(uri));
    bytes[40] ^= 1;
    const key = uri.replace(/^s3:\/\/[^/]+\//, '');
    await stack.runtime.services.artifacts.write(key, bytes, 'application/zip');
  };
  const entries = async (type: string): Promise<LedgerEntry[]> => (await stack.api.audit({ target: TARGET }, 'dana')).items.filter((e) => e.type === type);
  const alias = async () => (await stack.runtime.lambda.send(new GetAliasCommand({ FunctionName: TARGET, Name: 'live' }))) as { FunctionVersion: string };

  it('signs the registered version and the version of a deployed change, each with a BundleSigned entry', async () => {
    // Act
    const { changeId } = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json'));
    await approveByBob(stack, changeId);
    expect((await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed'])).status).toBe('deployed');

    // Assert
    for (const v of ['1.0.0', '1.1.0']) {
      expect((await version(v)).bundle).toEqual(
        expect.objectContaining({
          manifestSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
          signature: expect.objectContaining({ algorithm: 'ED25519_SHA_512' }),
        }),
      );
    }
    const signed = await entries('BundleSigned');
    expect(signed.map((e) => e.details.version).sort()).toEqual(['1.0.0', '1.1.0']);
    expect(signed.find((e) => e.details.version === '1.1.0')?.changeId).toBe(changeId);
  });

  it('refuses to activate a version whose stored code had one byte changed: 409, a BundleVerificationFailed entry, the alias unchanged', async () => {
    // Arrange
    const before = await alias();
    await changeOneByte((await version('1.0.0')).artifact.uri);

    // Act
    const refused = await stack.api.activate(TARGET, '1.0.0', 'roll back', 'dana').catch((err: unknown) => err);

    // Assert
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(409);
    expect((refused as ApiError).body.message).toMatch(/the bundle of version 1\.0\.0 of benefit-calculator does not verify/);
    expect(await entries('BundleVerificationFailed')).toEqual([
      expect.objectContaining({ actor: 'dana', details: expect.objectContaining({ version: '1.0.0', checkpoint: 'activate' }) }),
    ]);
    expect(await alias()).toMatchObject({ FunctionVersion: before.FunctionVersion });
    expect((await stack.api.target(TARGET)).liveVersion).toBe('1.1.0');
  });

  it('fails a change whose bundle was changed after it was signed, before anything is published or moved', async () => {
    // Arrange: 1.2.0 signed (the workflow's first step), awaiting approval; then its stored code changes
    const { changeId } = await stack.api.propose(await exampleChange('1.2.0-itemised-dependants.json'));
    await waitForStatus(stack.api, changeId, ['awaiting_approval']);
    await changeOneByte((await version('1.2.0')).artifact.uri);
    const before = await alias();
    const published = async () =>
      ((await stack.runtime.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: TARGET }))) as { Versions: unknown[] }).Versions.length;
    const versionsBefore = await published();

    // Act
    await approveByBob(stack, changeId);
    const change = await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed']);

    // Assert
    expect(change.status).toBe('failed');
    expect(change.reason).toMatch(/the bundle of version 1\.2\.0 of benefit-calculator does not verify/);
    expect((await entries('BundleVerificationFailed')).find((e) => e.changeId === changeId)).toMatchObject({
      actor: 'cmv-workflow',
      details: { version: '1.2.0', checkpoint: 'publish' },
    });
    expect(await alias()).toMatchObject({ FunctionVersion: before.FunctionVersion });
    expect(await published()).toBe(versionsBefore);
  });
});
