import type { Change, DeploymentRecord } from '../../../../lambdas/core/change';
import type { OutstandingTaskToken, TaskWait, WakeScheduler } from '../../../../lambdas/core/ports';
import type { Services } from '../../../../lambdas/core/use-cases/services';
import { awaitWake, deliverDueWake, wakeCause, wakeWorkflow } from '../../../../lambdas/core/use-cases/wake';
import { FakeClock, fakeServices, MemoryChangeStore } from '../../../fixtures/fakes';
import { aChange, aDeployment } from '../../../fixtures/records';

/**
 * The workflow's deploy waits (issue #10) on the shared fakes: the MemoryChangeStore keeps task
 * tokens as the changes table does (one per change, a spent one no longer outstanding, a newer one
 * replacing an older), the FakeWorkflow refuses a token already answered, the Outbox logs wakes.
 */
const NOW = new Date('2026-03-01T10:00:00.000Z');

/** Change c-1 (deploying unless `change` says otherwise; none when undefined) on the fakes, the clock at NOW. */
function arrange(change: Partial<Change> | undefined, options: { timeScale?: number; schedulerFails?: boolean } = {}) {
  const store = new MemoryChangeStore().seed({ changes: change ? [aChange({ changeId: 'c-1', status: 'deploying', ...change })] : [] });
  const fakes = fakeServices({ fakes: { store, clock: new FakeClock(NOW.toISOString()) } });
  const failingScheduler: WakeScheduler = {
    wakeAt: async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    },
  };
  const svc: Services = {
    ...fakes.svc,
    settings: { ...fakes.svc.settings, timeScale: options.timeScale },
    ...(options.schedulerFails ? { wakes: failingScheduler } : {}),
  };
  return { ...fakes, svc, token: () => store.taskTokens.get('c-1') };
}

const deploying = (over: Partial<DeploymentRecord> = {}): Partial<Change> => ({ deployment: aDeployment({ currentWeight: 10, history: [], ...over }) });
const BAKE = { strategy: 'alias-weights', stepIndex: 0, steps: [10, 100], alarmNames: [], startedAt: NOW.toISOString(), decision: 'bake', waitSeconds: 600 };

describe('use-cases/wake', () => {
  describe('awaitWake()', () => {
    it("keeps the token with the bake's deadline and schedules the wake then, on the workflow's clock", async () => {
      // Arrange: the local runtime at speed 60 — a 600 s bake lasts 10 s of the wall clock.
      const f = arrange(deploying(), { timeScale: 60 });

      // Act
      await awaitWake(f.svc, 'c-1', 'token-1', 'bake', BAKE);

      // Assert
      expect(f.token()).toMatchObject({ taskToken: 'token-1', wait: 'bake', since: NOW.toISOString(), dueAt: '2026-03-01T10:00:10.000Z' });
      expect(f.outbox.wakes).toEqual([{ name: `c-1.${f.token()?.key}`, at: new Date('2026-03-01T10:00:10.000Z'), changeId: 'c-1' }]);
      expect(f.workflow.resumed).toEqual([]);
    });

    it.each([
      ['paused', deploying({ paused: { by: 'dana', at: NOW.toISOString(), reason: '' } }), 'paused'],
      ['promoted', deploying({ promoteRequested: { by: 'dana', at: NOW.toISOString(), reason: '' } }), 'promote'],
      ['rolled back (an abort or an alarm)', { status: 'rolled_back' as const, ...deploying() }, 'stopped'],
    ])('wakes the workflow at once, scheduling nothing, when the change was %s before the token was kept (the race)', async (_what, change, by) => {
      // Arrange: recorded after the check decided to bake, before the wait kept its token — whoever recorded it found no token to send.
      const f = arrange(change);

      // Act
      await awaitWake(f.svc, 'c-1', 'token-1', 'bake', BAKE);

      // Assert
      expect(f.workflow.resumed).toEqual([{ taskToken: 'token-1', output: expect.objectContaining({ changeId: 'c-1', wait: 'bake', by }) }]);
      expect(f.outbox.wakes).toEqual([]);
      expect(f.token()).toBeUndefined();
    });

    it('keeps the deadline and the start of the same wait entered again after a restart, so a crash never lengthens a bake', async () => {
      // Arrange: the first run kept its token and scheduled the wake, then died; 4 minutes later a restart enters the same Bake.
      const f = arrange(deploying());
      await awaitWake(f.svc, 'c-1', 'token-1', 'bake', BAKE);
      const first = f.token();
      f.clock.advance(240_000);

      // Act
      await awaitWake(f.svc, 'c-1', 'token-2', 'bake', BAKE);

      // Assert
      expect(f.token()).toMatchObject({ taskToken: 'token-2', dueAt: first?.dueAt, since: first?.since, key: first?.key });
      expect(f.outbox.wakes.map((s) => s.name)).toEqual([first && `c-1.${first.key}`, first && `c-1.${first.key}`]);
    });

    it('wakes at once a wait re-entered after its deadline passed (the runtime was down at the deadline)', async () => {
      const f = arrange(deploying());
      await awaitWake(f.svc, 'c-1', 'token-1', 'bake', BAKE);
      f.clock.advance(601_000);

      await awaitWake(f.svc, 'c-1', 'token-2', 'bake', BAKE);

      expect(f.workflow.resumed).toEqual([{ taskToken: 'token-2', output: expect.objectContaining({ by: 'due' }) }]);
    });

    it('survives a scheduler that fails: the token stays outstanding with its deadline, for the sweep', async () => {
      const f = arrange(deploying(), { schedulerFails: true });
      const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);

      await awaitWake(f.svc, 'c-1', 'token-1', 'bake', BAKE);

      expect(f.token()).toMatchObject({ taskToken: 'token-1', dueAt: '2026-03-01T10:10:00.000Z' });
      expect(logged).toHaveBeenCalledWith(expect.stringContaining('wake not scheduled'));
      logged.mockRestore();
    });
  });

  describe('deliverDueWake()', () => {
    it("does nothing when an earlier wait's schedule fires before the current wait's deadline, and wakes it at its own", async () => {
      // Arrange: a bake of 600 s whose schedule fires; a resumed canary's bake is due later.
      const f = arrange(deploying());
      await awaitWake(f.svc, 'c-1', 'token-1', 'bake', BAKE);
      f.clock.advance(300_000);

      // Act / Assert: not yet due.
      expect(await deliverDueWake(f.svc, 'c-1')).toBeUndefined();
      expect(f.workflow.resumed).toEqual([]);
      f.clock.advance(300_000);
      expect(await deliverDueWake(f.svc, 'c-1')).toBe('due');
      expect(f.workflow.resumed).toEqual([
        { taskToken: 'token-1', output: { changeId: 'c-1', wait: 'bake', by: 'due', since: NOW.toISOString(), dueAt: '2026-03-01T10:10:00.000Z' } },
      ]);
    });

    it('never touches an approval wait', async () => {
      const f = arrange({ status: 'awaiting_approval' });
      f.store.taskTokens.set('c-1', { changeId: 'c-1', taskToken: 'approval-token', wait: 'approval', storedAt: NOW.toISOString() });

      expect(await deliverDueWake(f.svc, 'c-1')).toBeUndefined();
      expect(await wakeWorkflow(f.svc, 'c-1', 'due')).toBe(false);
      expect(f.workflow.resumed).toEqual([]);
    });
  });

  describe('wakeWorkflow()', () => {
    it('sends the wake and spends the token; a token whose wait already ended counts as delivered', async () => {
      const f = arrange(deploying());
      await awaitWake(f.svc, 'c-1', 'token-1', 'bake', BAKE);
      await f.workflow.resume('token-1', {});

      expect(await wakeWorkflow(f.svc, 'c-1', 'paused')).toBe(true);
      expect(f.token()).toBeUndefined();
      expect(await wakeWorkflow(f.svc, 'c-1', 'paused')).toBe(false);
    });
  });

  describe('wakeCause()', () => {
    it("is what the sweep delivers a lost wake by: a hold's ended pause, a bake's deadline or pause, a change no longer deploying", async () => {
      const token = (wait: TaskWait, dueAt?: string): OutstandingTaskToken => ({
        changeId: 'c-1',
        taskToken: 't',
        wait,
        storedAt: NOW.toISOString(),
        ...(dueAt ? { dueAt, since: NOW.toISOString(), key: 'k' } : {}),
      });
      const paused = deploying({ paused: { by: 'dana', at: NOW.toISOString(), reason: '' } });

      expect(await wakeCause(arrange(deploying()).svc, token('resume'))).toBe('resumed');
      expect(await wakeCause(arrange(paused).svc, token('resume'))).toBeUndefined();
      expect(await wakeCause(arrange(paused).svc, token('bake', '2026-03-01T11:00:00.000Z'))).toBe('paused');
      expect(await wakeCause(arrange(deploying()).svc, token('bake', '2026-03-01T11:00:00.000Z'))).toBeUndefined();
      expect(await wakeCause(arrange(deploying()).svc, token('bake', '2026-03-01T09:59:00.000Z'))).toBe('due');
      expect(await wakeCause(arrange({ status: 'rolled_back' }).svc, token('codedeploy', '2026-03-01T11:00:00.000Z'))).toBe('stopped');
      expect(await wakeCause(arrange(undefined).svc, token('bake', '2026-03-01T11:00:00.000Z'))).toBe('stopped');
    });
  });
});
