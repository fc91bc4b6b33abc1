import { NotFoundError } from '../../../../lambdas/core/errors';
import { retireVersions } from '../../../../lambdas/core/use-cases/retire-versions';
import { FakeFunctionHost, fakeServices, MemoryChangeStore } from '../../../fixtures/fakes';
import { ALIAS, aChange, aTarget, aVersion, FUNCTION, TARGET } from '../../../fixtures/records';

const VERSIONS = ['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0', '1.5.0'];

/** Six versions published as Lambda versions 1–6, live on 1.5.0 (6), keeping the 2 newest. */
function arrange(target: Parameters<typeof aTarget>[0] = {}) {
  const store = new MemoryChangeStore().seed({
    targets: [
      aTarget({ liveVersion: '1.5.0', liveFunctionVersion: '6', route: { functionVersion: '6' }, retention: { keepVersions: 2 }, revision: 8, ...target }),
    ],
    versions: VERSIONS.map((v, i) => aVersion(v, i + 1, { functionVersion: String(i + 1) })),
  });
  const functions = new FakeFunctionHost().addFunction(
    FUNCTION,
    ALIAS,
    VERSIONS.map((_, i) => `code-${i + 1}`),
    '6',
  );
  return fakeServices({ fakes: { store, functions } });
}

const retired = (store: MemoryChangeStore) => [...store.versions.values()].filter((v) => v.retiredAt).map((v) => v.version);

describe('retireVersions()', () => {
  it('marks and deletes the versions beyond retention, keeping the newest, the live and the last good one, in one VersionsRetired entry', async () => {
    // Arrange
    const { svc, store, functions, clock } = arrange();

    // Act
    const deleted = await retireVersions(svc, TARGET, 'dana');

    // Assert
    expect(deleted).toEqual(['1', '2', '3', '4']);
    expect(await functions.listVersions(FUNCTION)).toEqual(['5', '6']);
    expect(retired(store)).toEqual(['1.0.0', '1.1.0', '1.2.0', '1.3.0']);
    expect(await store.getVersion(TARGET, '1.0.0')).toMatchObject({ retiredAt: clock.now().toISOString(), revision: 2 });
    expect(store.targets.get(TARGET)?.revision).toBe(9);
    expect(store.entries).toMatchObject([
      {
        type: 'VersionsRetired',
        target: TARGET,
        actor: 'dana',
        details: {
          retired: ['1', '2', '3', '4'].map((v, i) => ({ functionVersion: v, versions: [VERSIONS[i]] })),
          kept: [
            { functionVersion: '5', versions: ['1.4.0'] },
            { functionVersion: '6', versions: ['1.5.0'] },
          ],
          keepVersions: 2,
          live: { version: '1.5.0', functionVersion: '6' },
          lastGood: { version: '1.4.0', functionVersion: '5' },
        },
      },
    ]);
  });

  it('keeps an old version another alias routes to, and a rolled-back version is no last good one', async () => {
    // Arrange: 1.4.0 came from a change whose canary was rolled back; a beta alias routes to version 2.
    const { svc, store, functions } = arrange();
    store.seed({
      changes: [aChange({ changeId: 'chg-4', status: 'rolled_back' })],
      versions: [aVersion('1.4.0', 5, { functionVersion: '5', changeId: 'chg-4' })],
    });
    functions.moveAlias(FUNCTION, 'beta', { functionVersion: '2' });

    // Act
    const deleted = await retireVersions(svc, TARGET);

    // Assert: 1.3.0 (4) is the last good version now.
    expect(deleted).toEqual(['1', '3']);
    expect(store.entries[0]).toMatchObject({ actor: 'cmv-workflow', details: { lastGood: { version: '1.3.0', functionVersion: '4' } } });
  });

  describe('by age (keepDays)', () => {
    const DAY_MS = 86_400_000;
    /** An activation of 1.5.0 (Lambda version 6) that replaced 1.2.0 (3) as the live version, in the ledger now. */
    const activateOverThree = (store: MemoryChangeStore) =>
      store.commit([], {
        type: 'VersionActivated',
        target: TARGET,
        actor: 'dana',
        details: { version: '1.5.0', functionVersion: '6', previousVersion: '1.2.0', previousFunctionVersion: '3', reason: '' },
      });

    it('keeps a version live less than keepDays (default 90) ago beyond keepVersions, and records keepDays', async () => {
      // Arrange: 3 was live until the activation, a day before the clock's now.
      const { svc, store, functions } = arrange();
      await activateOverThree(store);

      // Act
      const deleted = await retireVersions(svc, TARGET);

      // Assert
      expect(deleted).toEqual(['1', '2', '4']);
      expect(await functions.listVersions(FUNCTION)).toEqual(['3', '5', '6']);
      expect(store.entries[1]).toMatchObject({
        type: 'VersionsRetired',
        details: { keepVersions: 2, keepDays: 90, kept: [{ functionVersion: '3' }, { functionVersion: '5' }, { functionVersion: '6' }] },
      });
    });

    it('retires that version once it was last live keepDays ago', async () => {
      // Arrange
      const { svc, store, clock } = arrange({ retention: { keepVersions: 2, keepDays: 30 } });
      const activation = await activateOverThree(store);
      clock.set(new Date(Date.parse(activation.time) + 30 * DAY_MS).toISOString());

      // Act
      const deleted = await retireVersions(svc, TARGET);

      // Assert
      expect(deleted).toEqual(['1', '2', '3', '4']);
      expect(store.entries[1].details).toMatchObject({ keepDays: 30 });
    });

    it('keeps every version published within keepDays, whatever keepVersions says', async () => {
      // Arrange: 2–6 were published by changes in the ledger; 1 was not (registered long before).
      const { svc, store } = arrange();
      for (const v of ['2', '3', '4', '5', '6'])
        await store.commit([], { type: 'VersionPublished', target: TARGET, actor: 'cmv-workflow', details: { functionVersion: v } });

      // Act
      const deleted = await retireVersions(svc, TARGET);

      // Assert
      expect(deleted).toEqual(['1']);
    });

    it('turns the age rule off with keepDays 0', async () => {
      const { svc, store } = arrange({ retention: { keepVersions: 2, keepDays: 0 } });
      await activateOverThree(store);

      expect(await retireVersions(svc, TARGET)).toEqual(['1', '2', '3', '4']);
    });
  });

  it('records nothing when retried with nothing left to retire', async () => {
    const { svc, store } = arrange();
    await retireVersions(svc, TARGET);

    const deleted = await retireVersions(svc, TARGET);

    expect(deleted).toEqual([]);
    expect(store.entries).toHaveLength(1);
  });

  it('deletes versions an interrupted call marked, without recording them again', async () => {
    // Arrange: an earlier call committed its marks and crashed before deleting.
    const { svc, store, functions } = arrange();
    store.seed({ versions: VERSIONS.slice(0, 4).map((v, i) => aVersion(v, i + 1, { functionVersion: String(i + 1), retiredAt: '2026-03-01T12:00:00.000Z' })) });

    // Act
    const deleted = await retireVersions(svc, TARGET);

    // Assert
    expect(deleted).toEqual(['1', '2', '3', '4']);
    expect(store.entries).toEqual([]);
    expect(await functions.listVersions(FUNCTION)).toEqual(['5', '6']);
  });

  it('retires nothing while a change deploys to the target', async () => {
    const { svc, store, functions } = arrange({ deployingChangeId: 'chg-7' });

    expect(await retireVersions(svc, TARGET)).toEqual([]);
    expect(store.entries).toEqual([]);
    expect(functions.deleted).toEqual([]);
  });

  it('refuses an unknown target with a 404', async () => {
    const { svc, store } = arrange();

    await expect(retireVersions(svc, 'no-such-target')).rejects.toThrow(NotFoundError);
    expect(store.entries).toEqual([]);
  });

  it('decides again when a concurrent writer changed the target between the read and the write, recording once', async () => {
    // Arrange: an activation of 1.1.0 (Lambda version 2) commits first.
    const { svc, store, functions } = arrange();
    store.interleave(() =>
      store.seed({
        targets: [aTarget({ liveVersion: '1.1.0', liveFunctionVersion: '2', route: { functionVersion: '2' }, retention: { keepVersions: 2 }, revision: 9 })],
      }),
    );

    // Act
    const deleted = await retireVersions(svc, TARGET);

    // Assert: version 2, live now, stays published (the alias has not followed yet; it routes to 6).
    expect(deleted).toEqual(['1', '3', '4']);
    expect(store.entries).toHaveLength(1);
    expect(store.entries[0].details).toMatchObject({ live: { version: '1.1.0', functionVersion: '2' } });
    expect(await functions.listVersions(FUNCTION)).toEqual(['2', '5', '6']);
  });
});
