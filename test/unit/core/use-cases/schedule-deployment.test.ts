import type { Change } from '../../../../lambdas/core/change';
import type { ChangeType, RiskLevel } from '../../../../lambdas/core/change-request';
import { NotFoundError } from '../../../../lambdas/core/errors';
import type { Blackout } from '../../../../lambdas/core/policy/change-policy';
import { SINGLE_APPROVER_POLICY } from '../../../../lambdas/core/policy/single-approver-policy';
import { scheduleDeployment } from '../../../../lambdas/core/use-cases/schedule-deployment';
import { fakeServices, MemoryChangeStore } from '../../../fixtures/fakes';
import { aChange } from '../../../fixtures/records';

/** Monday 2 March 2026, 11:00 in Berlin (CET, UTC+1): the fakes' clock. */
const NOW = '2026-03-02T10:00:00.000Z';
/** The default policy's Saturday window for high risk, 02:00–04:00 Berlin, next opens on 7 March at 01:00 UTC. */
const NEXT_SATURDAY_WINDOW = '2026-03-07T01:00:00.000Z';
const SATURDAY_WINDOW = [{ days: ['sat'], start: '02:00', end: '04:00' }];
const PAYROLL: Blackout = { from: '2026-03-02T08:00:00Z', to: '2026-03-02T18:00:00Z', reason: 'payroll run' };

/** chg-1 (low risk unless `kind` says otherwise) approved and awaiting its start, under the default policy with `blackouts`. */
function arrange(kind: { changeType?: ChangeType; riskLevel?: RiskLevel } = {}, over: Partial<Change> = {}, blackouts: Blackout[] = []) {
  const store = new MemoryChangeStore().seed({ changes: [aChange({ revision: 5, approvedAt: '2026-03-02T09:00:00.000Z', ...over }, kind)] });
  return fakeServices({ fakes: { store }, overrides: { policy: async () => ({ ...SINGLE_APPROVER_POLICY, blackouts }) } });
}

describe('scheduleDeployment()', () => {
  it('starts at once, recording nothing, a change whose plan has no window (low risk)', async () => {
    // Arrange
    const { svc, store } = arrange();

    // Act
    const schedule = await scheduleDeployment(svc, 'chg-1');

    // Assert
    expect(schedule).toEqual({ startAt: NOW, wait: false });
    expect(store.entries).toEqual([]);
    expect(store.changes.get('chg-1')).toMatchObject({ status: 'awaiting_approval', revision: 5 });
  });

  it("schedules a change outside its window for the window's next opening, with a DeploymentScheduled entry, and waits", async () => {
    // Arrange
    const { svc, store } = arrange({ riskLevel: 'high' });

    // Act
    const schedule = await scheduleDeployment(svc, 'chg-1');

    // Assert
    expect(schedule).toEqual({ startAt: NEXT_SATURDAY_WINDOW, wait: true });
    expect(store.changes.get('chg-1')).toMatchObject({ status: 'scheduled', scheduledFor: NEXT_SATURDAY_WINDOW, revision: 6 });
    expect(store.entries).toMatchObject([
      { type: 'DeploymentScheduled', actor: 'cmv-workflow', details: { startAt: NEXT_SATURDAY_WINDOW, timeZone: 'Europe/Berlin', windows: SATURDAY_WINDOW } },
    ]);
  });

  it('starts at once, recording nothing, when approved inside its window', async () => {
    const { svc, store, clock } = arrange({ riskLevel: 'high' });
    clock.set('2026-03-07T01:30:00.000Z');

    expect(await scheduleDeployment(svc, 'chg-1')).toEqual({ startAt: '2026-03-07T01:30:00.000Z', wait: false });
    expect(store.entries).toEqual([]);
  });

  it('schedules for the end of a blackout of the policy in force (not only those when the change was planned)', async () => {
    const { svc, store } = arrange({}, {}, [PAYROLL]);

    const schedule = await scheduleDeployment(svc, 'chg-1');

    expect(schedule).toEqual({ startAt: '2026-03-02T18:00:00.000Z', wait: true });
    expect(store.changes.get('chg-1')).toMatchObject({ status: 'scheduled', scheduledFor: '2026-03-02T18:00:00.000Z' });
  });

  it('starts an emergency change at once, inside a blackout, recording nothing', async () => {
    const { svc, store } = arrange({ changeType: 'emergency' }, {}, [PAYROLL]);

    expect(await scheduleDeployment(svc, 'chg-1')).toEqual({ startAt: NOW, wait: false });
    expect(store.entries).toEqual([]);
  });

  it('returns the recorded start, recording nothing more, when retried after the change was scheduled', async () => {
    // Arrange
    const { svc, store } = arrange({ riskLevel: 'high' });
    await scheduleDeployment(svc, 'chg-1');

    // Act
    const again = await scheduleDeployment(svc, 'chg-1');

    // Assert
    expect(again).toEqual({ startAt: NEXT_SATURDAY_WINDOW, wait: true });
    expect(store.entries.map((e) => e.type)).toEqual(['DeploymentScheduled']);
  });

  it('does not wait when retried after the recorded start has passed', async () => {
    const { svc, clock } = arrange({ riskLevel: 'high' });
    await scheduleDeployment(svc, 'chg-1');
    clock.set('2026-03-07T01:00:01.000Z');

    expect(await scheduleDeployment(svc, 'chg-1')).toEqual({ startAt: NEXT_SATURDAY_WINDOW, wait: false });
  });

  it('schedules once, on the change as a concurrent writer left it, when the change moved between the read and the write', async () => {
    // Arrange
    const { svc, store } = arrange({ riskLevel: 'high' });
    store.interleave(() =>
      store.seed({ changes: [aChange({ revision: 6, approvedAt: '2026-03-02T09:00:00.000Z', executionArn: 'arn:exec' }, { riskLevel: 'high' })] }),
    );

    // Act
    await scheduleDeployment(svc, 'chg-1');

    // Assert
    expect(store.changes.get('chg-1')).toMatchObject({ status: 'scheduled', revision: 7, executionArn: 'arn:exec' });
    expect(store.entries.map((e) => e.type)).toEqual(['DeploymentScheduled']);
  });

  it('returns the start a concurrent run recorded between the read and the write, recording nothing itself', async () => {
    // Arrange: the same step, run twice, scheduled first elsewhere (for a start it computed then).
    const { svc, store } = arrange({ riskLevel: 'high' });
    store.interleave(() =>
      store.seed({ changes: [aChange({ status: 'scheduled', revision: 6, scheduledFor: '2026-03-14T01:00:00.000Z' }, { riskLevel: 'high' })] }),
    );

    // Act
    const schedule = await scheduleDeployment(svc, 'chg-1');

    // Assert
    expect(schedule).toEqual({ startAt: '2026-03-14T01:00:00.000Z', wait: true });
    expect(store.entries).toEqual([]);
  });

  it('leaves a change no longer awaiting its start alone', async () => {
    const { svc, store } = arrange({ riskLevel: 'high' }, { status: 'deploying' });

    expect(await scheduleDeployment(svc, 'chg-1')).toEqual({ startAt: NOW, wait: false });
    expect(store.entries).toEqual([]);
  });

  it('rejects a change when the windows and blackouts leave no start within a year, writing nothing', async () => {
    const { svc, store } = arrange({ riskLevel: 'high' }, {}, [{ from: '2026-01-01T00:00:00Z', to: '2028-01-01T00:00:00Z', reason: 'freeze' }]);

    await expect(scheduleDeployment(svc, 'chg-1')).rejects.toThrow(
      'no deployment start is possible within a year: the windows and blackouts exclude every moment',
    );
    expect(store.entries).toEqual([]);
    expect(store.changes.get('chg-1')?.status).toBe('awaiting_approval');
  });

  it('rejects a change that does not exist', async () => {
    const { svc } = arrange();

    await expect(scheduleDeployment(svc, 'chg-9')).rejects.toThrow(new NotFoundError('change chg-9 does not exist'));
  });
});
