import { ConflictError, ForbiddenError, NotFoundError } from '../../../../lambdas/core/errors';
import { activateVersion } from '../../../../lambdas/core/use-cases/activate-version';
import { FakeBundleSigner, FakeFunctionHost, fakeServices, MemoryArtifacts, MemoryChangeStore, signedVersion } from '../../../fixtures/fakes';
import { ALIAS, aTarget, aVersion, caller, FUNCTION, sourceZip, TARGET } from '../../../fixtures/records';

const dana = caller('dana', 'release_admin');

/** The target live on 1.1.0 (Lambda version 2) after 1.0.0 (version 1); the alias on 2. */
function arrange(over: { target?: Parameters<typeof aTarget>[0]; old?: Parameters<typeof aVersion>[2] } = {}) {
  const artifacts = new MemoryArtifacts();
  const bundleSigner = new FakeBundleSigner();
  const old = signedVersion(aVersion('1.0.0', 1, { functionVersion: '1' }), sourceZip(1), artifacts, bundleSigner);
  const store = new MemoryChangeStore().seed({
    targets: [aTarget({ liveVersion: '1.1.0', liveFunctionVersion: '2', route: { functionVersion: '2' }, revision: 4, ...over.target })],
    versions: [{ ...old, ...over.old }, aVersion('1.1.0', 2, { functionVersion: '2' })],
  });
  const functions = new FakeFunctionHost().addFunction(FUNCTION, ALIAS, ['code-1', 'code-2'], '2');
  return fakeServices({ fakes: { store, functions, artifacts }, overrides: { bundleSigner } });
}

describe('activateVersion()', () => {
  it('records 1.0.0 live with a VersionActivated entry, then moves the alias to its Lambda version alone', async () => {
    // Arrange
    const { svc, store, functions, clock } = arrange();

    // Act
    const target = await activateVersion(svc, dana, TARGET, '1.0.0', 'bad rounding in 1.1.0');

    // Assert
    const stored = { liveVersion: '1.0.0', liveFunctionVersion: '1', route: { functionVersion: '1' }, revision: 5, updatedAt: clock.now().toISOString() };
    expect(store.targets.get(TARGET)).toMatchObject(stored);
    expect(target).toMatchObject(stored);
    expect(store.entries).toMatchObject([
      {
        type: 'VersionActivated',
        target: TARGET,
        actor: 'dana',
        details: { version: '1.0.0', functionVersion: '1', previousVersion: '1.1.0', previousFunctionVersion: '2', reason: 'bad rounding in 1.1.0' },
      },
    ]);
    expect(functions.routeOf(FUNCTION, ALIAS)).toEqual({ functionVersion: '1' });
  });

  it('records nothing when the version is live already, and only puts the alias back on it', async () => {
    // Arrange: someone moved the alias outside CMV.
    const { svc, store, functions } = arrange();
    functions.moveAlias(FUNCTION, ALIAS, { functionVersion: '1' });

    // Act
    await activateVersion(svc, dana, TARGET, '1.1.0');

    // Assert
    expect(store.entries).toEqual([]);
    expect(store.targets.get(TARGET)?.revision).toBe(4);
    expect(functions.routeOf(FUNCTION, ALIAS)).toEqual({ functionVersion: '2' });
  });

  it.each([
    ['without the release_admin role', caller('alice', 'requester'), '1.0.0', {}, ForbiddenError, /needs the release_admin role/],
    ['an unknown version', dana, '0.9.0', {}, NotFoundError, /version 0.9.0 of benefit-calculator does not exist/],
    ['a version that never passed its tests', dana, '1.0.0', { old: { testsPassed: false } }, ConflictError, /never passed its tests/],
    ['a version never published', dana, '1.0.0', { old: { functionVersion: undefined } }, ConflictError, /never approved and published/],
    ['a retired version', dana, '1.0.0', { old: { retiredAt: '2026-03-01T12:00:00.000Z' } }, ConflictError, /was retired at 2026-03-01T12:00:00.000Z/],
    ['while a change deploys to the target', dana, '1.0.0', { target: { deployingChangeId: 'chg-7' } }, ConflictError, /change chg-7 is deploying/],
  ])('refuses %s, writing nothing and leaving the alias', async (_case, who, version, over, error, message) => {
    const { svc, store, functions } = arrange(over);

    const activation = activateVersion(svc, who, TARGET, version);

    await expect(activation).rejects.toThrow(error);
    await expect(activation).rejects.toThrow(message);
    expect(store.entries).toEqual([]);
    expect(functions.updates).toEqual([]);
  });

  it('refuses with a 409 when a concurrent writer changed the target first, and moves nothing', async () => {
    // Arrange: another activation commits between this one's read and its write.
    const { svc, store, functions } = arrange();
    store.interleave(() => store.seed({ targets: [aTarget({ liveVersion: '1.1.0', liveFunctionVersion: '2', revision: 5 })] }));

    // Act
    const activation = activateVersion(svc, dana, TARGET, '1.0.0');

    // Assert
    await expect(activation).rejects.toThrow(/changed while activating; try again/);
    expect(store.entries).toEqual([]);
    expect(functions.routeOf(FUNCTION, ALIAS)).toEqual({ functionVersion: '2' });
  });
});
