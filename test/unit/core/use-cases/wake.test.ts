import type { Change, DeploymentRecord } from '../../../../lambdas/core/change';
import { SpentTaskTokenError } from '../../../../lambdas/core/errors';
import type { OutstandingTaskToken, TaskWait, WaitDeadline } from '../../../../lambdas/core/ports';
import type { Services } from '../../../../lambdas/core/use-cases/services';
import { awaitWake, deliverDueWake, wakeCause, wakeWorkflow } from '../../../../lambdas/core/use-cases/wake';

/**
 * The workflow's deploy waits (issue #10) on in-memory fakes that keep task tokens as the changes
 * table does: one per change, a spent one no longer outstanding, a newer one replacing an older.
 */
const NOW = new Date('2026-03-01T10:00:00.000Z');

function fakeServices(change: Partial<Change> | undefined, options: { timeScale?: number; schedulerFails?: boolean } = {}) {
  let token: OutstandingTaskToken | undefined;
  const resumed: { taskToken: string; output: Record<string, unknown> }[] = [];
  const spentTokens = new Set<string>();
  const schedules: { name: string; at: Date; changeId: string }[] = [];
  let now = NOW;
  const stored: Change | undefined = change ? ({ changeId: 'c-1', status: 'deploying', ...change } as Change) : undefined;
  const svc = {
    store: {
      getChange: async () => stored,
      getTaskToken: async () => token,
      putTaskToken: async (changeId: string, taskToken: string, wait: TaskWait, deadline?: WaitDeadline) => {
        token = { changeId, taskToken, wait, storedAt: now.toISOString(), ...deadline };
      },
      spendTaskToken: async (_changeId: string, taskToken: string) => {
        if (token?.taskToken === taskToken) token = undefined;
      },
    },
    workflow: {
      resume: async (taskToken: string, output: Record<string, unknown>) => {
        if (spentTokens.has(taskToken)) throw new SpentTaskTokenError('Task Timed Out');
        spentTokens.add(taskToken);
        resumed.push({ taskToken, output });
      },
    },
    wakes: {
      wakeAt: async (name: string, at: Date, changeId: string) => {
        if (options.schedulerFails) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        schedules.push({ name, at, changeId });
      },
    },
    settings: { timeScale: options.timeScale },
    now: () => now,
  } as unknown as Services;
  return {
    svc,
    resumed,
    schedules,
    token: () => token,
    setToken: (t: OutstandingTaskToken) => {
      token = t;
    },
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
  };
}

const deploying = (over: Partial<DeploymentRecord> = {}): Partial<Change> => ({
  deployment: { strategy: 'alias-weights', currentWeight: 10, history: [], ...over } as DeploymentRecord,
});
const BAKE = { strategy: 'alias-weights', stepIndex: 0, steps: [10, 100], alarmNames: [], startedAt: NOW.toISOString(), decision: 'bake', waitSeconds: 600 };

describe('use-cases/wake', () => {
  describe('awaitWake()', () => {
    it("keeps the token with the bake's deadline and schedules the wake then, on the workflow's clock", async () => {
      // Arrange: the local runtime at speed 60 — a 600 s bake lasts 10 s of the wall clock.
      const f = fakeServices(deploying(), { timeScale: 60 });

      // Act
      await awaitWake(f.svc, 'c-1', 'token-1', 'bake', BAKE);

      // Assert
      expect(f.token()).toMatchObject({ taskToken: 'token-1', wait: 'bake', since: NOW.toISOString(), dueAt: '2026-03-01T10:00:10.000Z' });
      expect(f.schedules).toEqual([{ name: `c-1.${f.token()?.key}`, at: new Date('2026-03-01T10:00:10.000Z'), changeId: 'c-1' }]);
      expect(f.resumed).toEqual([]);
    });

    it.each([
      ['paused', deploying({ paused: { by: 'dana', at: NOW.toISOString(), reason: '' } }), 'paused'],
      ['promoted', deploying({ promoteRequested: { by: 'dana', at: NOW.toISOString(), reason: '' } }), 'promote'],
      ['rolled back (an abort or an alarm)', { status: 'rolled_back' as const, ...deploying() }, 'stopped'],
    ])('wakes the workflow at once, scheduling nothing, when the change was %s before the token was kept (the race)', async (_what, change, by) => {
      // Arrange: recorded after the check decided to bake, before the wait kept its token — whoever recorded it found no token to send.
      const f = fakeServices(change);

      // Act
      await awaitWake(f.svc, 'c-1', 'token-1', 'bake', BAKE);

      // Assert
      expect(f.resumed).toEqual([{ taskToken: 'token-1', output: expect.objectContaining({ changeId: 'c-1', wait: 'bake', by }) }]);
      expect(f.schedules).toEqual([]);
      expect(f.token()).toBeUndefined();
    });

    it('keeps the deadline and the start of the same wait entered again after a restart, so a crash never lengthens a bake', async () => {
      // Arrange: the first run kept its token and scheduled the wake, then died; 4 minutes later a restart enters the same Bake.
      const f = fakeServices(deploying());
      await awaitWake(f.svc, 'c-1', 'token-1', 'bake', BAKE);
      const first = f.token();
      f.advance(240_000);

      // Act
      await awaitWake(f.svc, 'c-1', 'token-2', 'bake', BAKE);

      // Assert
      expect(f.token()).toMatchObject({ taskToken: 'token-2', dueAt: first?.dueAt, since: first?.since, key: first?.key });
      expect(f.schedules.map((s) => s.name)).toEqual([first && `c-1.${first.key}`, first && `c-1.${first.key}`]);
    });

    it('wakes at once a wait re-entered after its deadline passed (the runtime was down at the deadline)', async () => {
      const f = fakeServices(deploying());
      await awaitWake(f.svc, 'c-1', 'token-1', 'bake', BAKE);
      f.advance(601_000);

      await awaitWake(f.svc, 'c-1', 'token-2', 'bake', BAKE);

      expect(f.resumed).toEqual([{ taskToken: 'token-2', output: expect.objectContaining({ by: 'due' }) }]);
    });

    it('survives a scheduler that fails: the token stays outstanding with its deadline, for the sweep', async () => {
      const f = fakeServices(deploying(), { schedulerFails: true });
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
      const f = fakeServices(deploying());
      await awaitWake(f.svc, 'c-1', 'token-1', 'bake', BAKE);
      f.advance(300_000);

      // Act / Assert: not yet due.
      expect(await deliverDueWake(f.svc, 'c-1')).toBeUndefined();
      expect(f.resumed).toEqual([]);
      f.advance(300_000);
      expect(await deliverDueWake(f.svc, 'c-1')).toBe('due');
      expect(f.resumed).toEqual([
        { taskToken: 'token-1', output: { changeId: 'c-1', wait: 'bake', by: 'due', since: NOW.toISOString(), dueAt: '2026-03-01T10:10:00.000Z' } },
      ]);
    });

    it('never touches an approval wait', async () => {
      const f = fakeServices({ status: 'awaiting_approval' });
      f.setToken({ changeId: 'c-1', taskToken: 'approval-token', wait: 'approval', storedAt: NOW.toISOString() });

      expect(await deliverDueWake(f.svc, 'c-1')).toBeUndefined();
      expect(await wakeWorkflow(f.svc, 'c-1', 'due')).toBe(false);
      expect(f.resumed).toEqual([]);
    });
  });

  describe('wakeWorkflow()', () => {
    it('sends the wake and spends the token; a token whose wait already ended counts as delivered', async () => {
      const f = fakeServices(deploying());
      await awaitWake(f.svc, 'c-1', 'token-1', 'bake', BAKE);
      await f.svc.workflow.resume('token-1', {});

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

      expect(await wakeCause(fakeServices(deploying()).svc, token('resume'))).toBe('resumed');
      expect(await wakeCause(fakeServices(paused).svc, token('resume'))).toBeUndefined();
      expect(await wakeCause(fakeServices(paused).svc, token('bake', '2026-03-01T11:00:00.000Z'))).toBe('paused');
      expect(await wakeCause(fakeServices(deploying()).svc, token('bake', '2026-03-01T11:00:00.000Z'))).toBeUndefined();
      expect(await wakeCause(fakeServices(deploying()).svc, token('bake', '2026-03-01T09:59:00.000Z'))).toBe('due');
      expect(await wakeCause(fakeServices({ status: 'rolled_back' }).svc, token('codedeploy', '2026-03-01T11:00:00.000Z'))).toBe('stopped');
      expect(await wakeCause(fakeServices(undefined).svc, token('bake', '2026-03-01T11:00:00.000Z'))).toBe('stopped');
    });
  });
});
