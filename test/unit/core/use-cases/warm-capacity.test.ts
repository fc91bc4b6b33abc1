import { DeploymentError } from '../../../../lambdas/core/errors';
import { rollBack } from '../../../../lambdas/core/use-cases/deploy';
import { releaseWarmCapacity, WARM_UP_LOOK_SECONDS, warmUp } from '../../../../lambdas/core/use-cases/warm-capacity';
import type { DeploymentState } from '../../../../lambdas/core/workflow-state';
import { deployingAt } from '../../../fixtures/deploying';
import { FUNCTION } from '../../../fixtures/records';

const state: DeploymentState = {
  strategy: 'blue-green',
  mode: 'blue-green',
  stepIndex: 0,
  steps: [100],
  alarmNames: [],
  startedAt: '2026-03-02T09:00:00.000Z',
  waitSeconds: 0,
};
/** chg-1 deploying blue-green (version 2 over 1), before the switch, with `provisionedConcurrency` planned. */
const blueGreenDeploying = (provisionedConcurrency?: number) =>
  deployingAt(0, { deployment: { strategy: 'blue-green', steps: [100], ...(provisionedConcurrency ? { warmUp: { provisionedConcurrency } } : {}) } });

describe('warmUp()', () => {
  it('records the request before asking Lambda, then waits while the allocation is in progress', async () => {
    const { svc, store, functions } = await blueGreenDeploying(3);

    const next = await warmUp(svc, 'chg-1', state);

    expect(next).toMatchObject({ decision: 'wait', waitSeconds: WARM_UP_LOOK_SECONDS });
    expect(store.entries.map((e) => [e.type, e.details])).toEqual([['ProvisionedConcurrencyRequested', { functionVersion: '2', provisionedConcurrency: 3 }]]);
    expect(functions.provisionedCalls).toEqual([{ call: 'put', functionName: FUNCTION, functionVersion: '2' }]);
  });

  it('asks Lambda once: a look after the request finds the config and only reads it; READY is recorded once and continues', async () => {
    const { svc, store, functions } = await blueGreenDeploying(3);
    await warmUp(svc, 'chg-1', state);
    await warmUp(svc, 'chg-1', state);
    functions.allocate('READY');

    const ready = await warmUp(svc, 'chg-1', state);
    const again = await warmUp(svc, 'chg-1', state);

    expect([ready.decision, again.decision]).toEqual(['continue', 'continue']);
    expect(functions.provisionedCalls.filter((c) => c.call === 'put')).toHaveLength(1);
    expect(store.entries.map((e) => e.type)).toEqual(['ProvisionedConcurrencyRequested', 'ProvisionedConcurrencyReady']);
    expect((await store.getChange('chg-1'))?.deployment?.warmUp).toMatchObject({
      provisionedConcurrency: 3,
      requestedAt: expect.any(String),
      readyAt: expect.any(String),
    });
  });

  it('fails with the reason when Lambda reports FAILED, recording no READY', async () => {
    const { svc, store, functions } = await blueGreenDeploying(3);
    await warmUp(svc, 'chg-1', state);
    functions.allocate('FAILED', 'FUNCTION_ERROR_INIT_FAILURE');

    await expect(warmUp(svc, 'chg-1', state)).rejects.toThrow(
      new DeploymentError('provisioned concurrency of version 2 FAILED (FUNCTION_ERROR_INIT_FAILURE): no traffic was switched'),
    );
    expect(store.entries.map((e) => e.type)).toEqual(['ProvisionedConcurrencyRequested']);
  });

  it('fails when the allocation is still not READY after the time limit', async () => {
    const { svc, clock } = await blueGreenDeploying(3);
    await warmUp(svc, 'chg-1', state);
    clock.advance(901_000);

    await expect(warmUp(svc, 'chg-1', state)).rejects.toThrow(/was not READY within 900 s/);
  });

  it('continues at once without provisioned concurrency, and stops for a change no longer deploying', async () => {
    const plain = await blueGreenDeploying();
    expect((await warmUp(plain.svc, 'chg-1', state)).decision).toBe('continue');
    expect(plain.functions.provisionedCalls).toEqual([]);

    const aborted = await blueGreenDeploying(3);
    await rollBack(aborted.svc, 'chg-1', 'aborted');
    expect((await warmUp(aborted.svc, 'chg-1', state)).decision).toBe('stopped');
    expect(aborted.functions.provisionedCalls).toEqual([]);
  });
});

describe('releaseWarmCapacity()', () => {
  it('releases the new version once a warmed change is rolled back: recorded on the target with the rollback, then done and recorded', async () => {
    const { svc, store, functions } = await blueGreenDeploying(3);
    await warmUp(svc, 'chg-1', state);

    await rollBack(svc, 'chg-1', 'alarm');

    expect(functions.provisioned.size).toBe(0);
    expect(store.entries.filter((e) => e.type === 'ProvisionedConcurrencyReleased').map((e) => ({ changeId: e.changeId, details: e.details }))).toEqual([
      { changeId: 'chg-1', details: { functionVersion: '2', hadConfig: true } },
    ]);
    expect((await store.getTarget('benefit-calculator'))?.warmRelease).toBeUndefined();
  });

  it('records the config it deleted as there when its record lost a race with another writer of the target and was written again', async () => {
    // Arrange: version 2 warm and listed for release; another writer updates the target between the Delete and its record
    const { svc, store, functions } = await blueGreenDeploying(3);
    await warmUp(svc, 'chg-1', state);
    const target = await store.getTarget('benefit-calculator');
    if (!target) throw new Error('the fixture has no target');
    store.seed({ targets: [{ ...target, warmRelease: [{ changeId: 'chg-1', functionVersion: '2' }] }] });
    store.interleave(() => {
      const now = store.targets.get('benefit-calculator');
      if (now) store.seed({ targets: [{ ...now, revision: now.revision + 1 }] });
    });

    // Act
    const released = await releaseWarmCapacity(svc, 'benefit-calculator');

    // Assert: one entry, saying the config was there (this call deleted it, on its first attempt)
    expect(released).toEqual(['2']);
    expect(functions.provisioned.size).toBe(0);
    expect(store.entries.filter((e) => e.type === 'ProvisionedConcurrencyReleased').map((e) => e.details)).toEqual([{ functionVersion: '2', hadConfig: true }]);
  });

  it('is idempotent: a release whose Delete was done but not recorded records it (finding none), and a second run does nothing', async () => {
    const { svc, store, functions } = await blueGreenDeploying(3);
    await warmUp(svc, 'chg-1', state);
    const target = await store.getTarget('benefit-calculator');
    if (!target) throw new Error('the fixture has no target');
    // As after a crash between the Delete and its record: still listed on the target, gone from Lambda.
    await store.commit(
      [{ kind: 'target', record: { ...target, warmRelease: [{ changeId: 'chg-1', functionVersion: '2' }] }, expectedRevision: target.revision }],
      {
        type: 'TestSetup',
        actor: 'test',
        details: {},
      },
    );
    await functions.deleteProvisionedConcurrency(FUNCTION, '2');

    expect(await releaseWarmCapacity(svc, 'benefit-calculator')).toEqual(['2']);
    expect(await releaseWarmCapacity(svc, 'benefit-calculator')).toEqual([]);
    expect(store.entries.filter((e) => e.type === 'ProvisionedConcurrencyReleased').map((e) => e.details)).toEqual([
      { functionVersion: '2', hadConfig: false },
    ]);
  });
});
