import type { Change, DeploymentRecord, SmokeTestRun } from '../../../../lambdas/core/change';
import { DeploymentError, NotFoundError } from '../../../../lambdas/core/errors';
import type { SmokeTest } from '../../../../lambdas/core/target-settings';
import type { Services } from '../../../../lambdas/core/use-cases/services';
import { requireSmokeTests, runSmokeTests } from '../../../../lambdas/core/use-cases/smoke-tests';
import { deployingAt } from '../../../fixtures/deploying';
import { type MemoryChangeStore, ScriptedFunctionHost } from '../../../fixtures/fakes';
import { ALIAS, aChange, aDeployment, aTarget, FUNCTION, TARGET } from '../../../fixtures/records';

const WEEKLY: SmokeTest = { name: 'weekly', payload: { week: 10 }, expect: { total: 42 } };
const PING: SmokeTest = { name: 'ping', payload: {} };
const EARLIER_RUN: SmokeTestRun = { phase: 'before-traffic', passed: true, results: [], at: '2026-03-02T09:10:00.000Z' };

/**
 * chg-1 deploying version 2 at `weight` % (test/fixtures/deploying.ts), its target with `smokeTests`,
 * on a function host whose alias routes as that weight says and whose version 2 answers the weekly
 * test with a total of 42 (`version2` scripts it otherwise).
 */
async function arrange(
  weight: number,
  smokeTests: readonly SmokeTest[] = [WEEKLY, PING],
  options: { change?: Partial<Change>; deployment?: Partial<DeploymentRecord>; version2?: (payload: unknown) => { ok: boolean; payload: unknown } } = {},
) {
  const fakes = await deployingAt(weight, { change: options.change, deployment: options.deployment });
  const target = fakes.store.targets.get(TARGET) ?? aTarget();
  fakes.store.seed({ targets: [{ ...target, smokeTests: [...smokeTests] }] });
  const functions = new ScriptedFunctionHost().addFunction(FUNCTION, ALIAS, ['code-1', 'code-2'], weight >= 100 ? '2' : '1');
  functions.answer(FUNCTION, '2', options.version2 ?? ((p) => ({ ok: true, payload: { ...(p as object), total: 42 } })));
  const svc: Services = { ...fakes.svc, functions };
  return { ...fakes, svc, functions };
}

/** The change as a concurrent writer leaves it: the stored one, `over` applied and its revision moved on. */
const movedOn = (store: MemoryChangeStore, over: (c: Change) => Partial<Change>) => {
  const c = store.changes.get('chg-1') ?? aChange();
  return { ...c, ...over(c), revision: c.revision + 1 };
};

describe('runSmokeTests()', () => {
  it('before traffic: invokes the new version itself with each test, records SmokeTestsPassed and keeps the run with the deployment', async () => {
    // Arrange
    const { svc, store, functions, clock } = await arrange(0);

    // Act
    const run = await runSmokeTests(svc, 'chg-1', 'before-traffic');

    // Assert
    const results = [
      { name: 'weekly', passed: true, reason: 'ok', executedVersion: '2' },
      { name: 'ping', passed: true, reason: 'ok', executedVersion: '2' },
    ];
    expect(run).toEqual({ phase: 'before-traffic', passed: true, results, at: clock.now().toISOString() });
    expect(functions.invocations).toEqual([
      { functionName: FUNCTION, qualifier: '2', payload: { week: 10 }, executedVersion: '2' },
      { functionName: FUNCTION, qualifier: '2', payload: {}, executedVersion: '2' },
    ]);
    expect(store.changes.get('chg-1')?.deployment?.smokeTests).toEqual([run]);
    expect(store.entries).toMatchObject([{ type: 'SmokeTestsPassed', actor: 'cmv-workflow', details: { phase: 'before-traffic', qualifier: '2', results } }]);
    expect(functions.routeOf(FUNCTION, ALIAS)).toEqual({ functionVersion: '1' });
  });

  it('after traffic: invokes the alias, which runs the new version at 100 %', async () => {
    const { svc, store, functions } = await arrange(100);

    const run = await runSmokeTests(svc, 'chg-1', 'after-traffic');

    expect(run.passed).toBe(true);
    expect(functions.invocations.map((i) => [i.qualifier, i.executedVersion])).toEqual([
      [ALIAS, '2'],
      [ALIAS, '2'],
    ]);
    expect(store.entries).toMatchObject([{ type: 'SmokeTestsPassed', details: { phase: 'after-traffic', qualifier: ALIAS } }]);
  });

  it('fails a test whose invocation ran another version (the alias was moved back outside CMV), recording SmokeTestsFailed', async () => {
    // Arrange
    const { svc, store, functions } = await arrange(100);
    functions.moveAlias(FUNCTION, ALIAS, { functionVersion: '1' });

    // Act
    const run = await runSmokeTests(svc, 'chg-1', 'after-traffic');

    // Assert
    expect(run).toMatchObject({
      passed: false,
      results: [{ name: 'weekly', passed: false, reason: 'ran version 1, expected 2', executedVersion: '1' }, { passed: false }],
    });
    expect(store.entries).toMatchObject([{ type: 'SmokeTestsFailed', details: { phase: 'after-traffic' } }]);
    expect(store.changes.get('chg-1')?.deployment?.smokeTests).toEqual([run]);
  });

  it('fails a test whose result does not contain what it expects', async () => {
    const { svc, store } = await arrange(0, [WEEKLY, PING], { version2: () => ({ ok: true, payload: { total: 41 } }) });

    const run = await runSmokeTests(svc, 'chg-1', 'before-traffic');

    expect(run.results).toEqual([
      { name: 'weekly', passed: false, reason: 'result {"total":41} does not contain {"total":42}', executedVersion: '2' },
      { name: 'ping', passed: true, reason: 'ok', executedVersion: '2' },
    ]);
    expect(store.entries.map((e) => e.type)).toEqual(['SmokeTestsFailed']);
  });

  it('fails a test whose invocation ended in a function error', async () => {
    const { svc } = await arrange(0, [PING], { version2: () => ({ ok: false, payload: { errorType: 'TypeError', errorMessage: 'rate is undefined' } }) });

    const run = await runSmokeTests(svc, 'chg-1', 'before-traffic');

    expect(run.results).toEqual([
      { name: 'ping', passed: false, reason: 'function error: {"errorType":"TypeError","errorMessage":"rate is undefined"}', executedVersion: '2' },
    ]);
  });

  it('passes a target without smoke tests, invoking nothing and recording the empty run', async () => {
    const { svc, store, functions } = await arrange(0, []);

    const run = await runSmokeTests(svc, 'chg-1', 'before-traffic');

    expect(run).toMatchObject({ passed: true, results: [] });
    expect(functions.invocations).toEqual([]);
    expect(store.entries.map((e) => e.type)).toEqual(['SmokeTestsPassed']);
  });

  it('returns the run already recorded for the phase, invoking nothing and recording nothing (a retry)', async () => {
    const { svc, store, functions } = await arrange(0, [WEEKLY], { deployment: { smokeTests: [EARLIER_RUN] } });

    const run = await runSmokeTests(svc, 'chg-1', 'before-traffic');

    expect(run).toEqual(EARLIER_RUN);
    expect(functions.invocations).toEqual([]);
    expect(store.entries).toEqual([]);
  });

  it('adds the after-traffic run to the before-traffic one', async () => {
    const { svc, store } = await arrange(100, [PING], { deployment: { smokeTests: [EARLIER_RUN] } });

    const run = await runSmokeTests(svc, 'chg-1', 'after-traffic');

    expect(store.changes.get('chg-1')?.deployment?.smokeTests).toEqual([EARLIER_RUN, run]);
  });

  it('keeps what a concurrent writer recorded between the read and the write (a pause), adding the run once', async () => {
    // Arrange
    const { svc, store } = await arrange(0);
    const paused = { by: 'dana', at: '2026-03-02T09:59:00.000Z', reason: 'checking the dashboards' };
    store.interleave(() => store.seed({ changes: [movedOn(store, (c) => ({ deployment: aDeployment({ ...c.deployment, paused }) }))] }));

    // Act
    const run = await runSmokeTests(svc, 'chg-1', 'before-traffic');

    // Assert
    expect(store.changes.get('chg-1')?.deployment).toMatchObject({ paused, smokeTests: [run] });
    expect(store.entries.map((e) => e.type)).toEqual(['SmokeTestsPassed']);
  });

  it('records nothing when a concurrent run recorded the phase between the read and the write', async () => {
    // Arrange
    const { svc, store } = await arrange(0);
    store.interleave(() => store.seed({ changes: [movedOn(store, (c) => ({ deployment: aDeployment({ ...c.deployment, smokeTests: [EARLIER_RUN] }) }))] }));

    // Act
    await runSmokeTests(svc, 'chg-1', 'before-traffic');

    // Assert
    expect(store.entries).toEqual([]);
    expect(store.changes.get('chg-1')?.deployment?.smokeTests).toEqual([EARLIER_RUN]);
  });

  it('records nothing when the change was rolled back between the read and the write', async () => {
    const { svc, store } = await arrange(0);
    store.interleave(() => store.seed({ changes: [movedOn(store, () => ({ status: 'rolled_back' }))] }));

    await runSmokeTests(svc, 'chg-1', 'before-traffic');

    expect(store.entries).toEqual([]);
    expect(store.changes.get('chg-1')).toMatchObject({ status: 'rolled_back' });
    expect(store.changes.get('chg-1')?.deployment?.smokeTests).toBeUndefined();
  });

  it.each([
    ['no longer deploying', { change: { status: 'rolled_back' as const } }, 'change chg-1 is rolled_back: no smoke tests to run'],
    ['deploying without a published version', { deployment: { toFunctionVersion: undefined } }, 'change chg-1 is deploying: no smoke tests to run'],
  ])('rejects a change %s with a DeploymentError, invoking nothing', async (_what, over, message) => {
    const { svc, store, functions } = await arrange(0, [PING], over);

    await expect(runSmokeTests(svc, 'chg-1', 'before-traffic')).rejects.toThrow(new DeploymentError(message));
    expect(functions.invocations).toEqual([]);
    expect(store.entries).toEqual([]);
  });

  it('rejects a change that never started deploying', async () => {
    const { svc } = await arrange(0, [PING], { change: { status: 'awaiting_approval', deployment: undefined } });

    await expect(runSmokeTests(svc, 'chg-1', 'before-traffic')).rejects.toThrow(new DeploymentError('change chg-1 has no deployment'));
  });

  it('rejects a change whose target is not registered, invoking nothing', async () => {
    const { svc, store, functions } = await arrange(0);
    store.targets.clear();

    await expect(runSmokeTests(svc, 'chg-1', 'before-traffic')).rejects.toThrow(new NotFoundError(`target ${TARGET} is not registered`));
    expect(functions.invocations).toEqual([]);
  });
});

describe('requireSmokeTests()', () => {
  it('answers how many tests passed', async () => {
    const { svc } = await arrange(0);

    expect(await requireSmokeTests(svc, 'chg-1', 'before-traffic')).toEqual({ passed: true, tests: 2 });
  });

  it('fails with a DeploymentError naming each failed test and why, after recording the failed run', async () => {
    // Arrange
    const { svc, store } = await arrange(0, [WEEKLY, PING], { version2: () => ({ ok: true, payload: { total: 41 } }) });

    // Act
    const required = requireSmokeTests(svc, 'chg-1', 'before-traffic');

    // Assert
    await expect(required).rejects.toThrow(
      new DeploymentError('smoke tests failed before-traffic: weekly (result {"total":41} does not contain {"total":42})'),
    );
    expect(store.entries.map((e) => e.type)).toEqual(['SmokeTestsFailed']);
  });

  it('fails again, invoking nothing, when retried after the failed run was recorded', async () => {
    const { svc, store, functions } = await arrange(0, [PING], { version2: () => ({ ok: false, payload: null }) });
    await expect(requireSmokeTests(svc, 'chg-1', 'before-traffic')).rejects.toThrow(DeploymentError);

    const retried = requireSmokeTests(svc, 'chg-1', 'before-traffic');

    await expect(retried).rejects.toThrow(new DeploymentError('smoke tests failed before-traffic: ping (function error: null)'));
    expect(functions.invocations).toHaveLength(1);
    expect(store.entries).toHaveLength(1);
  });
});
