import type { Change } from '../../../../lambdas/core/change';
import { verifyBundle } from '../../../../lambdas/core/use-cases/bundles';
import { reconcile } from '../../../../lambdas/core/use-cases/reconcile';
import type { Services } from '../../../../lambdas/core/use-cases/services';
import { deployingAt } from '../../../fixtures/deploying';
import { FakeBundleSigner, FakeCodeDeploy, FakeFunctionHost, fakeServices, MemoryArtifacts, MemoryChangeStore, signedVersion } from '../../../fixtures/fakes';
import { ALIAS, aChange, aTarget, aVersion, FUNCTION, sourceZip, TARGET } from '../../../fixtures/records';

const CANARY = { functionVersion: '1', additionalVersion: '2', additionalWeight: 0.1 };
const NOTHING = { workflowsStarted: [], aliasesMoved: [], warmCapacityReleased: [], decisionsDelivered: [], resumed: [], bundlesSigned: [], failures: [] };

/** The target on 1.0.0 (version 1), its alias there too, and `changes`. */
function arrange(changes: Change[] = [], target: Parameters<typeof aTarget>[0] = {}) {
  const store = new MemoryChangeStore().seed({ changes, targets: [aTarget(target)] });
  const functions = new FakeFunctionHost().addFunction(FUNCTION, ALIAS, ['code-1', 'code-2'], '1');
  return fakeServices({ fakes: { store, functions } });
}

/** A Step Functions error that does not spend the token (throttled). */
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

describe('reconcile()', () => {
  it('finds nothing out of step when the records and the world agree', async () => {
    const { svc, workflow } = arrange([aChange({ status: 'deployed' })]);

    expect(await reconcile(svc)).toEqual(NOTHING);
    expect(workflow.started).toEqual([]);
  });

  describe('changes still submitted', () => {
    it('starts the workflow of a change whose proposal never started it', async () => {
      // Arrange
      const { svc, workflow } = arrange([aChange({ status: 'submitted' }), aChange({ changeId: 'chg-2', status: 'testing' })]);

      // Act
      const done = await reconcile(svc);

      // Assert
      expect(done).toEqual({ ...NOTHING, workflowsStarted: ['chg-1'] });
      expect(workflow.started).toEqual([{ name: 'chg-1', input: { changeId: 'chg-1', target: TARGET } }]);
    });

    it('leaves alone a change whose workflow already exists under its id', async () => {
      const { svc, workflow } = arrange([aChange({ status: 'submitted' })]);
      await workflow.start('chg-1', { changeId: 'chg-1', target: TARGET });

      expect(await reconcile(svc)).toEqual(NOTHING);
      expect(workflow.started).toHaveLength(1);
    });

    it('reports a start that fails otherwise and goes on with the next change', async () => {
      // Arrange
      const { svc, workflow } = arrange([aChange({ status: 'submitted' }), aChange({ changeId: 'chg-2', status: 'submitted' })]);
      const start = workflow.start.bind(workflow);
      jest.spyOn(workflow, 'start').mockImplementation(async (name, input) => (name === 'chg-1' ? Promise.reject(throttled()) : start(name, input)));

      // Act
      const done = await reconcile(svc);

      // Assert
      expect(done.workflowsStarted).toEqual(['chg-2']);
      expect(done.failures).toEqual([{ what: 'workflow of change chg-1', error: 'ThrottlingException: Rate exceeded' }]);
    });
  });

  describe('aliases', () => {
    it('moves an alias that lags behind its recorded route', async () => {
      const { svc, functions } = arrange([], { route: CANARY });

      const done = await reconcile(svc);

      expect(done).toEqual({ ...NOTHING, aliasesMoved: [TARGET] });
      expect(functions.routeOf(FUNCTION, ALIAS)).toEqual(CANARY);
    });

    it('reports an alias Lambda refuses to route as recorded, and goes on', async () => {
      // Arrange: the recorded version was deleted outside CMV; a submitted change is still started.
      const { svc, functions } = arrange([aChange({ status: 'submitted' })], { route: { functionVersion: '9' } });

      // Act
      const done = await reconcile(svc);

      // Assert
      expect(done.failures).toEqual([{ what: `alias of ${TARGET}`, error: `ConflictError: version 9 of ${FUNCTION} is not published` }]);
      expect(done.workflowsStarted).toEqual(['chg-1']);
      expect(functions.routeOf(FUNCTION, ALIAS)).toEqual({ functionVersion: '1' });
    });
  });

  describe('approval waits', () => {
    it('delivers an approval recorded but never sent to the waiting workflow', async () => {
      // Arrange
      const { svc, store, workflow } = arrange([aChange({ approvedAt: '2026-03-02T09:00:00.000Z' })]);
      await store.putTaskToken('chg-1', 'tok-a', 'approval');

      // Act
      const done = await reconcile(svc);

      // Assert
      expect(done).toEqual({ ...NOTHING, decisionsDelivered: ['chg-1'] });
      expect(workflow.resumed).toEqual([{ taskToken: 'tok-a', output: { approved: true, approvers: [] } }]);
      expect(store.taskTokens.has('chg-1')).toBe(false);
    });

    it('leaves a wait whose votes are still open', async () => {
      const { svc, store, workflow } = arrange([aChange()]);
      await store.putTaskToken('chg-1', 'tok-a', 'approval');

      expect(await reconcile(svc)).toEqual(NOTHING);
      expect(workflow.resumed).toEqual([]);
      expect(store.taskTokens.has('chg-1')).toBe(true);
    });

    it('reports a delivery that fails and keeps its token for the next run', async () => {
      // Arrange
      const { svc, store, workflow } = arrange([aChange({ status: 'rejected', reason: 'no' })]);
      await store.putTaskToken('chg-1', 'tok-a', 'approval');
      jest.spyOn(workflow, 'fail').mockRejectedValueOnce(throttled());

      // Act
      const done = await reconcile(svc);

      // Assert
      expect(done).toEqual({ ...NOTHING, failures: [{ what: 'approval wait of change chg-1', error: 'ThrottlingException: Rate exceeded' }] });
      expect(store.taskTokens.get('chg-1')?.taskToken).toBe('tok-a');
      expect((await reconcile(svc)).decisionsDelivered).toEqual(['chg-1']);
    });

    it('spends the token of a change that no longer exists, delivering nothing', async () => {
      const { svc, store, workflow } = arrange();
      await store.putTaskToken('chg-gone', 'tok-a', 'approval');

      expect(await reconcile(svc)).toEqual(NOTHING);
      expect(store.taskTokens.size).toBe(0);
      expect(workflow.resumed).toEqual([]);
      expect(workflow.failed).toEqual([]);
    });
  });

  describe('deploy waits', () => {
    it.each([
      ['a bake whose deadline passed', {}, {}, 'due'],
      ['a bake whose canary was paused', { paused: { by: 'erin', at: '2026-03-02T09:30:10.000Z', reason: 'p99' } }, {}, 'paused'],
      ['a bake whose promotion was requested', { promoteRequested: { by: 'dana', at: '2026-03-02T09:30:10.000Z', reason: 'ok' } }, {}, 'promote'],
      ['a wait on a change rolled back meanwhile', {}, { status: 'rolled_back' as const }, 'stopped'],
    ])('wakes %s (its wake was lost)', async (_case, deployment, change, by) => {
      // Arrange: the bake of tok-1 is due at 09:31; the clock is at 09:31 only for the deadline case.
      const { svc, workflow, clock } = await deployingAt(10, { deployment, change });
      clock.set(by === 'due' ? '2026-03-02T09:31:00.000Z' : '2026-03-02T09:30:30.000Z');

      // Act
      const done = await reconcile(svc);

      // Assert
      expect(done).toEqual({ ...NOTHING, resumed: ['chg-1'] });
      expect(workflow.resumed).toMatchObject([{ taskToken: 'tok-1', output: { changeId: 'chg-1', wait: 'bake', by } }]);
    });

    it('leaves a bake before its deadline with nothing recorded for it', async () => {
      const { svc, store, workflow, clock } = await deployingAt(10);
      clock.set('2026-03-02T09:30:59.000Z');

      expect(await reconcile(svc)).toEqual(NOTHING);
      expect(workflow.resumed).toEqual([]);
      expect(store.taskTokens.has('chg-1')).toBe(true);
    });

    it('wakes a look at a CodeDeploy deployment that ended, before the look was due', async () => {
      // Arrange: d-1 succeeded; its EventBridge event was lost.
      const fakes = await deployingAt(100, { deployment: { strategy: 'codedeploy', codeDeployId: 'd-1', steps: [] } });
      fakes.store.seed({ targets: [aTarget({ deployingChangeId: 'chg-1', shiftedByCodeDeploy: true, revision: 3 })] });
      await fakes.store.putTaskToken('chg-1', 'tok-1', 'codedeploy', { since: '2026-03-02T09:30:00.000Z', dueAt: '2026-03-02T11:00:00.000Z', key: 'c' });
      const svc: Services = { ...fakes.svc, codeDeploy: new FakeCodeDeploy().add('d-1', 'Succeeded') };

      // Act
      const done = await reconcile(svc);

      // Assert
      expect(done).toEqual({ ...NOTHING, resumed: ['chg-1'] });
      expect(fakes.workflow.resumed).toMatchObject([{ output: { wait: 'codedeploy', by: 'codedeploy-ended' } }]);
    });
  });

  it('does nothing more when run again after it put everything right', async () => {
    // Arrange: one of each: a change left submitted, a lagging alias, an undelivered approval.
    const { svc, store, workflow } = arrange([aChange({ changeId: 'chg-0', status: 'submitted' }), aChange({ approvedAt: '2026-03-02T09:00:00.000Z' })], {
      route: CANARY,
    });
    await store.putTaskToken('chg-1', 'tok-a', 'approval');
    const first = await reconcile(svc);

    // Act
    const second = await reconcile(svc);

    // Assert
    expect(first).toEqual({ ...NOTHING, workflowsStarted: ['chg-0'], aliasesMoved: [TARGET], decisionsDelivered: ['chg-1'] });
    expect(second).toEqual(NOTHING);
    expect(workflow.started).toHaveLength(1);
    expect(workflow.resumed).toHaveLength(1);
    expect(store.entries).toEqual([]);
  });

  describe('registered versions left unsigned', () => {
    /** 1.0.0 registered (no change), its code stored but unsigned — a crash between the registration's commit and its signing —; 1.1.0 of a change, unsigned too (its workflow signs it); 1.2.0 registered and signed. */
    function arrangeUnsigned() {
      const artifacts = new MemoryArtifacts();
      const bundleSigner = new FakeBundleSigner();
      const v1 = aVersion('1.0.0', 1, { functionVersion: '1' });
      artifacts.objects.set(v1.artifact.uri, sourceZip(1));
      const v11 = aVersion('1.1.0', 2, { changeId: 'chg-1' });
      artifacts.objects.set(v11.artifact.uri, sourceZip(2));
      const v12 = signedVersion(aVersion('1.2.0', 3), sourceZip(3), artifacts, bundleSigner);
      const store = new MemoryChangeStore().seed({ targets: [aTarget()], versions: [v1, v11, v12] });
      const functions = new FakeFunctionHost().addFunction(FUNCTION, ALIAS, ['code-1', 'code-2'], '1');
      return { ...fakeServices({ fakes: { store, functions, artifacts }, overrides: { bundleSigner } }), bundleSigner };
    }

    it('signs a registered version a crash left unsigned (BundleSigned by the workflow), and only that one', async () => {
      // Arrange
      const { svc, store } = arrangeUnsigned();

      // Act
      const done = await reconcile(svc);

      // Assert
      expect(done).toEqual({ ...NOTHING, bundlesSigned: [`${TARGET}:1.0.0`] });
      const v1 = await store.getVersion(TARGET, '1.0.0');
      expect(v1?.bundle).toBeDefined();
      await expect(verifyBundle(svc, v1 ?? aVersion('x', 1), 'activate', { actor: 'dana' })).resolves.toBeUndefined();
      expect((await store.getVersion(TARGET, '1.1.0'))?.bundle).toBeUndefined();
      expect(store.entries).toMatchObject([{ type: 'BundleSigned', target: TARGET, actor: 'cmv-workflow', details: { version: '1.0.0' } }]);
      expect(await reconcile(svc)).toEqual(NOTHING);
    });

    it('reports a registered version whose stored code is not the code recorded at intake, signing nothing', async () => {
      // Arrange
      const { svc, store, artifacts } = arrangeUnsigned();
      const uri = aVersion('1.0.0', 1).artifact.uri;
      artifacts.objects.set(uri, sourceZip(9));

      // Act
      const done = await reconcile(svc);

      // Assert
      expect(done.bundlesSigned).toEqual([]);
      expect(done.failures).toEqual([{ what: `bundle of ${TARGET} 1.0.0`, error: expect.stringMatching(/not the code recorded at intake/) }]);
      expect((await store.getVersion(TARGET, '1.0.0'))?.bundle).toBeUndefined();
    });

    it('reports versions it could not list and goes on with the rest of the run', async () => {
      // Arrange
      const { svc, store } = arrangeUnsigned();
      await store.putTaskToken('chg-9', 'tok-9', 'approval');
      jest.spyOn(store, 'listVersions').mockRejectedValue(throttled());

      // Act
      const done = await reconcile(svc);

      // Assert
      expect(done.failures).toEqual([{ what: `versions of ${TARGET}`, error: 'ThrottlingException: Rate exceeded' }]);
      expect(await store.getTaskToken('chg-9')).toBeUndefined();
    });
  });
});
