import { ConflictError, NotFoundError } from '../../../../lambdas/core/errors';
import { syncAlias } from '../../../../lambdas/core/use-cases/sync-alias';
import { FakeFunctionHost, fakeServices, MemoryChangeStore } from '../../../fixtures/fakes';
import { ALIAS, aTarget, FUNCTION, TARGET } from '../../../fixtures/records';

const CANARY = { functionVersion: '1', additionalVersion: '2', additionalWeight: 0.1 };

/** The target recorded at `route`, the alias on version 1 alone. */
function arrange(target: Parameters<typeof aTarget>[0] = {}) {
  const store = new MemoryChangeStore().seed({ targets: [aTarget({ route: CANARY, ...target })] });
  const functions = new FakeFunctionHost().addFunction(FUNCTION, ALIAS, ['code-1', 'code-2'], '1');
  return fakeServices({ fakes: { store, functions } });
}

describe('syncAlias()', () => {
  it('moves the alias to the recorded route', async () => {
    const { svc, functions } = arrange();

    const sync = await syncAlias(svc, TARGET);

    expect(sync).toBe('moved');
    expect(functions.routeOf(FUNCTION, ALIAS)).toEqual(CANARY);
  });

  it('answers in-sync when the alias routes as recorded, and still writes it (so older syncs go stale)', async () => {
    const { svc, functions } = arrange({ route: { functionVersion: '1' } });

    const sync = await syncAlias(svc, TARGET);

    expect(sync).toBe('in-sync');
    expect(functions.updates).toHaveLength(1);
  });

  it('leaves the alias to CodeDeploy while it shifts it', async () => {
    const { svc, functions } = arrange({ shiftedByCodeDeploy: true });

    expect(await syncAlias(svc, TARGET)).toBe('codedeploy');
    expect(functions.updates).toEqual([]);
    expect(functions.routeOf(FUNCTION, ALIAS)).toEqual({ functionVersion: '1' });
  });

  it('reads again and ends as recorded when another writer moved the alias between its read and its update', async () => {
    // Arrange: someone moves the alias to version 2 after the sync's GetAlias.
    const { svc, functions } = arrange();
    functions.interleave(() => functions.moveAlias(FUNCTION, ALIAS, { functionVersion: '2' }));

    // Act
    const sync = await syncAlias(svc, TARGET);

    // Assert: the first update was stale and refused; the second moved it.
    expect(sync).toBe('moved');
    expect(functions.updates).toEqual([{ functionName: FUNCTION, alias: ALIAS, route: CANARY }]);
    expect(functions.routeOf(FUNCTION, ALIAS)).toEqual(CANARY);
  });

  it('lets Lambda refuse a route to a version that is not published (409)', async () => {
    const { svc, functions } = arrange({ route: { functionVersion: '9' } });

    await expect(syncAlias(svc, TARGET)).rejects.toThrow(ConflictError);
    expect(functions.routeOf(FUNCTION, ALIAS)).toEqual({ functionVersion: '1' });
  });

  it('refuses an unknown target with a 404', async () => {
    const { svc } = arrange();

    await expect(syncAlias(svc, 'no-such-target')).rejects.toThrow(NotFoundError);
  });
});
