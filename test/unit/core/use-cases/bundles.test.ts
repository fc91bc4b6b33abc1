import { ConflictError } from '../../../../lambdas/core/errors';
import { activateVersion } from '../../../../lambdas/core/use-cases/activate-version';
import { BundleVerificationError, signBundle, verifyBundle } from '../../../../lambdas/core/use-cases/bundles';
import { startDeployment } from '../../../../lambdas/core/use-cases/deploy';
import { approved } from '../../../fixtures/deploying';
import { FakeFunctionHost, fakeServices, MemoryArtifacts, MemoryChangeStore } from '../../../fixtures/fakes';
import { ALIAS, aTarget, aVersion, caller, FUNCTION, sourceZip, TARGET } from '../../../fixtures/records';

const dana = caller('dana', 'release_admin');

/** 1.0.0 (Lambda version 1) recorded, unsigned, its code stored; 1.1.0 live on version 2. */
function arrange() {
  const v1 = aVersion('1.0.0', 1, { functionVersion: '1' });
  const store = new MemoryChangeStore().seed({
    targets: [aTarget({ liveVersion: '1.1.0', liveFunctionVersion: '2', route: { functionVersion: '2' }, revision: 4 })],
    versions: [v1, aVersion('1.1.0', 2, { functionVersion: '2' })],
  });
  const artifacts = new MemoryArtifacts();
  artifacts.objects.set(v1.artifact.uri, sourceZip(1));
  const functions = new FakeFunctionHost().addFunction(FUNCTION, ALIAS, ['code-1', 'code-2'], '2');
  return fakeServices({ fakes: { store, functions, artifacts } });
}

/** Flips one bit of the byte at `index` (from the end when negative) of a stored object. */
function changeOneByte(artifacts: MemoryArtifacts, uri: string, index = -20) {
  const bytes = Uint8Array.from(artifacts.objects.get(uri) ?? []);
  bytes[index < 0 ? bytes.length + index : index] ^= 1;
  artifacts.objects.set(uri, bytes);
}

describe('bundles', () => {
  describe('signBundle()', () => {
    it('stores the manifest, records its hash and signature on the version with a BundleSigned entry, and verifies afterwards', async () => {
      const { svc, store, artifacts } = arrange();

      const bundle = await signBundle(svc, TARGET, '1.0.0', dana);

      const version = await store.getVersion(TARGET, '1.0.0');
      expect(version).toMatchObject({ bundle, revision: 2 });
      expect(artifacts.objects.has(bundle.manifestUri)).toBe(true);
      expect(store.entries).toMatchObject([
        {
          type: 'BundleSigned',
          target: TARGET,
          actor: 'dana',
          details: { version: '1.0.0', manifestSha256: bundle.manifestSha256, keyId: bundle.signature.keyId },
        },
      ]);
      await expect(verifyBundle(svc, version ?? aVersion('x', 1), 'activate', { actor: dana })).resolves.toBeUndefined();
    });

    it('returns the recorded bundle when signed already, signing nothing again', async () => {
      const { svc, store } = arrange();
      const first = await signBundle(svc, TARGET, '1.0.0', dana);

      await expect(signBundle(svc, TARGET, '1.0.0', dana)).resolves.toEqual(first);
      expect(store.entries.filter((e) => e.type === 'BundleSigned')).toHaveLength(1);
    });

    it('of two concurrent signers, records one bundle and answers it to both', async () => {
      const { svc, store } = arrange();

      const [a, b] = await Promise.all([signBundle(svc, TARGET, '1.0.0', dana), signBundle(svc, TARGET, '1.0.0', dana)]);

      expect(a).toEqual(b);
      expect((await store.getVersion(TARGET, '1.0.0'))?.bundle).toEqual(a);
      expect(store.entries.filter((e) => e.type === 'BundleSigned')).toHaveLength(1);
    });

    it('refuses to sign code that is not the code recorded at intake, with a BundleVerificationFailed entry, recording no bundle', async () => {
      const { svc, store, artifacts } = arrange();
      changeOneByte(artifacts, aVersion('1.0.0', 1).artifact.uri);

      await expect(signBundle(svc, TARGET, '1.0.0', dana)).rejects.toThrow(BundleVerificationError);

      expect((await store.getVersion(TARGET, '1.0.0'))?.bundle).toBeUndefined();
      expect(store.entries).toMatchObject([{ type: 'BundleVerificationFailed', details: { version: '1.0.0', checkpoint: 'sign' } }]);
    });
  });

  describe('activateVersion() of a version whose stored bundle changed', () => {
    it('refuses with a 409 naming the altered file when one byte of its code changed, records BundleVerificationFailed, and moves nothing', async () => {
      const { svc, store, artifacts, functions } = arrange();
      await signBundle(svc, TARGET, '1.0.0', dana);
      const before = store.targets.get(TARGET);
      // The zip's central directory sits at its end: change a byte of a file's data, near the start.
      changeOneByte(artifacts, aVersion('1.0.0', 1).artifact.uri, 40);

      const refused = activateVersion(svc, dana, TARGET, '1.0.0', 'roll back');

      await expect(refused).rejects.toThrow(ConflictError);
      await expect(refused).rejects.toThrow(/the bundle of version 1\.0\.0 of benefit-calculator does not verify/);
      expect(store.targets.get(TARGET)).toEqual(before);
      expect(functions.routeOf(FUNCTION, ALIAS)).toEqual({ functionVersion: '2' });
      expect(store.entries.map((e) => e.type)).toEqual(['BundleSigned', 'BundleVerificationFailed']);
      expect(store.entries[1]).toMatchObject({
        actor: 'dana',
        details: { version: '1.0.0', checkpoint: 'activate', reason: expect.any(String), file: expect.any(String) },
      });
    });

    it('refuses when the stored manifest changed, naming its expected and actual hash', async () => {
      const { svc, store, artifacts } = arrange();
      const bundle = await signBundle(svc, TARGET, '1.0.0', dana);
      changeOneByte(artifacts, bundle.manifestUri, 5);

      await expect(activateVersion(svc, dana, TARGET, '1.0.0')).rejects.toThrow(/the manifest was altered/);
      expect(store.entries.at(-1)).toMatchObject({ type: 'BundleVerificationFailed', details: { file: 'manifest', expected: bundle.manifestSha256 } });
    });

    it('refuses a version that has no signed manifest', async () => {
      const { svc } = arrange();

      await expect(activateVersion(svc, dana, TARGET, '1.0.0')).rejects.toThrow(/has no signed manifest|no signed manifest/);
    });
  });

  describe('startDeployment() of a change whose bundle changed', () => {
    it('refuses before locking the target or publishing, with a BundleVerificationFailed entry of the change', async () => {
      const { svc, store, artifacts, functions } = approved();
      const version = await store.getVersion(TARGET, '1.1.0');
      changeOneByte(artifacts, version?.artifact.uri ?? '', 40);

      await expect(startDeployment(svc, 'chg-1')).rejects.toThrow(BundleVerificationError);

      expect(store.targets.get(TARGET)?.deployingChangeId).toBeUndefined();
      expect(functions.updates).toEqual([]);
      expect(await functions.listVersions(FUNCTION)).toEqual(['1']);
      expect(store.entries).toMatchObject([{ type: 'BundleVerificationFailed', changeId: 'chg-1', actor: 'cmv-workflow', details: { checkpoint: 'publish' } }]);
    });
  });
});
