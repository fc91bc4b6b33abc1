import { canaryReport, canaryReportSha256 } from '../../../../lambdas/core/canary-report';
import type { Change, DeploymentRecord } from '../../../../lambdas/core/change';
import { DeploymentError, TargetBusyError } from '../../../../lambdas/core/errors';
import type { VersionStats } from '../../../../lambdas/core/observations';
import type { MetricsReader } from '../../../../lambdas/core/ports';
import { DEFAULT_HEALTH } from '../../../../lambdas/core/ramp';
import {
  checkCanary,
  type DeploymentState,
  finalizeDeployment,
  recordFailure,
  rollBack,
  shiftTraffic,
  startDeployment,
} from '../../../../lambdas/core/use-cases/deploy';
import { approved, deployingAt } from '../../../fixtures/deploying';
import { ALIAS, aTarget, FUNCTION, TARGET } from '../../../fixtures/records';

const ALARM = `cmv-${TARGET}-error-rate`;
const state = (over: Partial<DeploymentState> = {}): DeploymentState => ({
  strategy: 'alias-weights',
  stepIndex: 0,
  steps: [10, 100],
  alarmNames: [ALARM],
  startedAt: '2026-03-02T09:00:00.000Z',
  waitSeconds: 0,
  ...over,
});
const attested = (c: Change | undefined) => ({ canaryReport: { sha256: canaryReportSha256(canaryReport(c as Change)) } });

describe('startDeployment()', () => {
  it('locks the target, publishes the version and arms its alarm, recording DeploymentStarted then VersionPublished', async () => {
    // Arrange
    const { svc, store, alarms } = approved();

    // Act
    const started = await startDeployment(svc, 'chg-1');

    // Assert
    expect(store.changes.get('chg-1')).toMatchObject({
      status: 'deploying',
      deployment: { fromVersion: '1.0.0', fromFunctionVersion: '1', toFunctionVersion: '2', steps: [10, 100], currentWeight: 0, alarmNames: [ALARM] },
    });
    expect(store.targets.get(TARGET)?.deployingChangeId).toBe('chg-1');
    expect(store.versions.size).toBe(2);
    expect(await store.getVersion(TARGET, '1.1.0')).toMatchObject({ functionVersion: '2' });
    expect(store.entries.map((e) => e.type)).toEqual(['DeploymentStarted', 'VersionPublished']);
    expect(store.entries[1].details).toMatchObject({ functionVersion: '2', alarms: [ALARM] });
    expect(alarms.armed).toEqual([{ target: TARGET, functionVersion: '2' }]);
    expect(started).toMatchObject({ stepIndex: 0, steps: [10, 100], alarmNames: [ALARM], waitSeconds: 0 });
  });

  it('records nothing more when retried after both steps were recorded (the same version is published again)', async () => {
    const { svc, store } = approved();
    await startDeployment(svc, 'chg-1');

    await startDeployment(svc, 'chg-1');

    expect(store.entries.map((e) => e.type)).toEqual(['DeploymentStarted', 'VersionPublished']);
    expect(store.changes.get('chg-1')?.deployment?.toFunctionVersion).toBe('2');
  });

  it('throws TargetBusy while another change deploys to the target, writing nothing', async () => {
    const { svc, store, functions } = approved();
    store.seed({ targets: [aTarget({ deployingChangeId: 'chg-0', revision: 2 })] });

    await expect(startDeployment(svc, 'chg-1')).rejects.toThrow(TargetBusyError);
    expect(store.entries).toEqual([]);
    expect(store.changes.get('chg-1')?.status).toBe('awaiting_approval');
    expect(await functions.listVersions(FUNCTION)).toEqual(['1']);
  });

  it('throws TargetBusy when a concurrent change took the lock between the read and the write', async () => {
    // Arrange
    const { svc, store } = approved();
    store.interleave(() => store.seed({ targets: [aTarget({ deployingChangeId: 'chg-9', revision: 2 })] }));

    // Act
    const started = startDeployment(svc, 'chg-1');

    // Assert
    await expect(started).rejects.toThrow(/change chg-9 is already deploying/);
    expect(store.entries).toEqual([]);
    expect(store.targets.get(TARGET)?.deployingChangeId).toBe('chg-9');
  });
});

describe('shiftTraffic()', () => {
  it('records the step and the weighted route, moves the alias to match, and bakes', async () => {
    // Arrange
    const { svc, store, functions } = await deployingAt(0);

    // Act
    const next = await shiftTraffic(svc, 'chg-1', state());

    // Assert
    const route = { functionVersion: '1', additionalVersion: '2', additionalWeight: 0.1 };
    expect(store.changes.get('chg-1')?.deployment).toMatchObject({ currentWeight: 10, history: [{ weight: 10 }] });
    expect(store.targets.get(TARGET)?.route).toEqual(route);
    expect(store.entries).toMatchObject([{ type: 'TrafficShifted', details: { weight: 10, step: 1, of: 2, route } }]);
    expect(functions.routeOf(FUNCTION, ALIAS)).toEqual(route);
    expect(next).toMatchObject({ decision: 'bake', waitSeconds: 60, bakedSeconds: 0 });
  });

  it('records nothing when retried at a weight already recorded, and only finishes the move', async () => {
    // Arrange: the shift to 10 % committed, the alias did not move (a crash).
    const { svc, store, functions } = await deployingAt(10);
    functions.moveAlias(FUNCTION, ALIAS, { functionVersion: '1' });

    // Act
    await shiftTraffic(svc, 'chg-1', state());

    // Assert
    expect(store.entries).toEqual([]);
    expect(functions.routeOf(FUNCTION, ALIAS)).toEqual({ functionVersion: '1', additionalVersion: '2', additionalWeight: 0.1 });
  });

  it('leaves a change rolled back meanwhile alone: decision stopped, nothing recorded', async () => {
    const { svc, store } = await deployingAt(10, { change: { status: 'rolled_back' } });

    const next = await shiftTraffic(svc, 'chg-1', state({ stepIndex: 1 }));

    expect(next).toMatchObject({ decision: 'stopped', waitSeconds: 0 });
    expect(store.entries).toEqual([]);
  });
});

describe('checkCanary()', () => {
  it('decides to continue to the next step after a healthy bake came to its deadline, recording CanaryStepChecked with the alarm states', async () => {
    const { svc, store } = await deployingAt(10);

    const next = await checkCanary(svc, 'chg-1', state({ decision: 'bake', waitSeconds: 60, wake: { by: 'due', since: '2026-03-02T09:30:00.000Z' } }));

    expect(next).toMatchObject({ stepIndex: 1, decision: 'continue', bakedSeconds: 0 });
    expect(store.entries).toMatchObject([{ type: 'CanaryStepChecked', details: { weight: 10, decision: 'continue', alarms: [{ name: ALARM, state: 'OK' }] } }]);
    expect(store.changes.get('chg-1')?.deployment?.history).toMatchObject([{ weight: 10, decision: 'continue', checkedAt: svc.now().toISOString() }]);
  });

  it('decides to roll back when the alarm went to ALARM during the deployment', async () => {
    const { svc, store, alarms } = await deployingAt(10);
    alarms.set({ name: ALARM, state: 'ALARM', reason: 'error rate 12 %', updatedAt: '2026-03-02T09:30:30.000Z' });

    const next = await checkCanary(svc, 'chg-1', state({ decision: 'bake', waitSeconds: 60, wake: { by: 'due', since: '2026-03-02T09:30:00.000Z' } }));

    expect(next.decision).toBe('rollback');
    expect(store.entries).toMatchObject([{ type: 'CanaryStepChecked', details: { decision: 'rollback', alarms: [{ state: 'ALARM' }] } }]);
  });

  it('keeps baking, recording nothing, when woken early with bake time left', async () => {
    // Arrange: woken 20 s into a 60 s bake.
    const { svc, store, clock } = await deployingAt(10);
    clock.set('2026-03-02T09:30:20.000Z');

    // Act
    const next = await checkCanary(svc, 'chg-1', state({ decision: 'bake', waitSeconds: 60, wake: { by: 'resumed', since: '2026-03-02T09:30:00.000Z' } }));

    // Assert
    expect(next).toMatchObject({ decision: 'bake', bakedSeconds: 20 });
    expect(store.entries).toEqual([]);
  });
});

describe('checkCanary() of a health-driven ramp', () => {
  const stats = (requests: number, errors: number, p99Ms: number): VersionStats => ({
    requests,
    errors,
    throttles: 0,
    errorRatePercent: (100 * errors) / requests,
    p99Ms,
  });
  /** chg-1 at 10 % of a ramp with the seed's limits, its bake (60 s) over; CloudWatch reads `old` and `next` for versions 1 and 2. */
  const judged = async (old: VersionStats, next: VersionStats, bakedSeconds = 0) => {
    const reads: { from: string; to: string }[] = [];
    const metrics: MetricsReader = {
      versionStats: async (_fn, _alias, _versions, from, to) => {
        reads.push({ from: from.toISOString(), to: to.toISOString() });
        return { '1': old, '2': next };
      },
    };
    const deployment = { ramp: { start: 10, increment: 90, max: 100 }, health: DEFAULT_HEALTH };
    const fakes = await deployingAt(10, { deployment });
    const svc = { ...fakes.svc, metrics };
    const next_ = await checkCanary(
      svc,
      'chg-1',
      state({ decision: 'bake', waitSeconds: 60, bakedSeconds, wake: { by: 'due', since: '2026-03-02T09:30:00.000Z' } }),
    );
    return { ...fakes, next: next_, reads };
  };

  it('rolls back a latency regression, recording each comparison on the step and in CanaryStepChecked, the reason naming the failed ones', async () => {
    const { next, store, reads, svc } = await judged(stats(900, 0, 255), stats(100, 0, 612));

    expect(next).toMatchObject({ decision: 'rollback', stepIndex: 0 });
    const reason = 'unhealthy at 10%: p99 612 ms > 400 ms; p99 ratio 2.4 × old (612 ms vs 255 ms) > 1.5 ×';
    const step = store.changes.get('chg-1')?.deployment?.history[0];
    expect(step).toMatchObject({ decision: 'rollback', reason, health: { verdict: 'unhealthy' } });
    expect(step?.health?.comparisons.map((c) => [c.name, c.result])).toEqual([
      ['sample', 'pass'],
      ['error-rate', 'pass'],
      ['p99', 'fail'],
      ['errors-vs-old', 'pass'],
      ['p99-vs-old', 'fail'],
    ]);
    expect(store.entries).toMatchObject([{ type: 'CanaryStepChecked', details: { decision: 'rollback', reason, health: step?.health } }]);
    // Both versions over the same window: from the shift to the check.
    expect(reads).toEqual([{ from: '2026-03-02T09:30:00.000Z', to: svc.now().toISOString() }]);
  });

  it('continues when healthy, recording the comparisons', async () => {
    const { next, store } = await judged(stats(900, 1, 120), stats(100, 0, 130));

    expect(next).toMatchObject({ decision: 'continue', stepIndex: 1 });
    expect(store.changes.get('chg-1')?.deployment?.history[0]).toMatchObject({
      decision: 'continue',
      reason: 'healthy at 10%',
      health: { verdict: 'healthy' },
    });
  });

  it('bakes again, recording nothing, while the new version served fewer than minRequests', async () => {
    const { next, store } = await judged(stats(900, 0, 120), stats(12, 0, 130));

    expect(next).toMatchObject({ decision: 'bake', waitSeconds: 60, bakedSeconds: 60 });
    expect(store.entries).toEqual([]);
  });

  it('rolls back when the sample is still too small after maxBakes bakes', async () => {
    const { next, store } = await judged(stats(900, 0, 120), stats(12, 0, 130), 120);

    expect(next).toMatchObject({ decision: 'rollback' });
    expect(store.changes.get('chg-1')?.deployment?.history[0]).toMatchObject({
      reason: 'insufficient sample at 10%: sample 12 requests on the new version < 50 after 3 bakes (180 s)',
      health: { verdict: 'insufficient' },
    });
  });
});

describe('finalizeDeployment()', () => {
  it('records ChangeDeployed with the attested canary report and the end time, puts the version live and unlocks the target', async () => {
    // Arrange
    const { svc, store, functions, clock } = await deployingAt(100);

    // Act
    const deployed = await finalizeDeployment(svc, 'chg-1');

    // Assert
    const stored = store.changes.get('chg-1');
    expect(stored).toMatchObject({ status: 'deployed', deployment: { outcome: 'deployed', currentWeight: 100, endedAt: clock.now().toISOString() } });
    expect(deployed).toEqual(stored);
    expect(store.entries).toMatchObject([
      { type: 'ChangeDeployed', details: { version: '1.1.0', functionVersion: '2', previous: '1.0.0', ...attested(stored) } },
    ]);
    expect(store.targets.get(TARGET)).toMatchObject({
      liveVersion: '1.1.0',
      liveFunctionVersion: '2',
      route: { functionVersion: '2' },
      deployingChangeId: undefined,
    });
    expect(functions.routeOf(FUNCTION, ALIAS)).toEqual({ functionVersion: '2' });
  });

  it('records nothing when retried after the change was deployed', async () => {
    const { svc, store } = await deployingAt(100);
    await finalizeDeployment(svc, 'chg-1');

    await finalizeDeployment(svc, 'chg-1');

    expect(store.entries.map((e) => e.type)).toEqual(['ChangeDeployed']);
  });

  it('refuses while the recorded route still splits traffic, recording nothing', async () => {
    const { svc, store } = await deployingAt(10);

    await expect(finalizeDeployment(svc, 'chg-1')).rejects.toThrow(new DeploymentError('alias live does not point at version 2 alone'));
    expect(store.entries).toEqual([]);
    expect(store.changes.get('chg-1')?.status).toBe('deploying');
  });

  it('ends as the record says when an abort committed first: DeploymentError, no ChangeDeployed', async () => {
    const { svc, store } = await deployingAt(100, { change: { status: 'rolled_back' } });

    await expect(finalizeDeployment(svc, 'chg-1')).rejects.toThrow(/is rolled_back: it was not promoted/);
    expect(store.entries).toEqual([]);
  });
});

describe('rollBack()', () => {
  it('records ChangeRolledBack with the attested canary report and end time, routes the target and alias back and unlocks', async () => {
    const { svc, store, functions, clock } = await deployingAt(10);

    await rollBack(svc, 'chg-1', 'error rate above 5 %');

    const stored = store.changes.get('chg-1');
    expect(stored).toMatchObject({
      status: 'rolled_back',
      reason: 'error rate above 5 %',
      deployment: { outcome: 'rolled_back', currentWeight: 0, endedAt: clock.now().toISOString() },
    });
    expect(store.entries).toMatchObject([
      { type: 'ChangeRolledBack', actor: 'cmv-workflow', details: { trigger: 'workflow', restoredFunctionVersion: '1', atWeight: 10, ...attested(stored) } },
    ]);
    expect(store.targets.get(TARGET)).toMatchObject({ route: { functionVersion: '1' }, deployingChangeId: undefined });
    expect(functions.routeOf(FUNCTION, ALIAS)).toEqual({ functionVersion: '1' });
  });

  it('records nothing when retried after the rollback was recorded', async () => {
    const { svc, store } = await deployingAt(10);
    await rollBack(svc, 'chg-1', 'error rate above 5 %');

    await rollBack(svc, 'chg-1', 'error rate above 5 %');

    expect(store.entries.map((e) => e.type)).toEqual(['ChangeRolledBack']);
  });

  it('records ChangeFailed for a change that never started deploying', async () => {
    const { svc, store } = approved();

    await rollBack(svc, 'chg-1', 'smoke test failed');

    expect(store.changes.get('chg-1')).toMatchObject({ status: 'failed', reason: 'smoke test failed' });
    expect(store.entries).toMatchObject([{ type: 'ChangeFailed', details: { reason: 'smoke test failed' } }]);
  });

  it('rolls back once when a concurrent promotion request committed between the read and the write', async () => {
    // Arrange
    const { svc, store } = await deployingAt(10);
    const current = store.changes.get('chg-1') as Change;
    const promoteRequested = { by: 'erin', at: '2026-03-02T09:31:00.000Z', reason: 'looks fine' };
    store.interleave(() =>
      store.seed({ changes: [{ ...current, revision: current.revision + 1, deployment: { ...(current.deployment as DeploymentRecord), promoteRequested } }] }),
    );

    // Act
    await rollBack(svc, 'chg-1', 'error rate above 5 %');

    // Assert: the first write failed its condition; the re-read one committed.
    expect(store.entries.map((e) => e.type)).toEqual(['ChangeRolledBack']);
    expect(store.changes.get('chg-1')).toMatchObject({ status: 'rolled_back', revision: current.revision + 2, deployment: { promoteRequested } });
  });
});

describe('recordFailure()', () => {
  it('expired: records ApprovalExpired for a change awaiting approval', async () => {
    const { svc, store } = approved();

    await recordFailure(svc, 'chg-1', 'expired', 'quorum was not reached');

    expect(store.changes.get('chg-1')).toMatchObject({ status: 'expired', reason: 'quorum was not reached' });
    expect(store.entries).toMatchObject([{ type: 'ApprovalExpired', details: { reason: 'quorum was not reached' } }]);
  });

  it('expired: records nothing for a change that left the approval (a late expiry)', async () => {
    const { svc, store } = await deployingAt(10);

    await recordFailure(svc, 'chg-1', 'expired', 'quorum was not reached');

    expect(store.entries).toEqual([]);
    expect(store.changes.get('chg-1')?.status).toBe('deploying');
  });

  it('failed while deploying: records ChangeFailed with the end time and attested report, and routes back to the previous version', async () => {
    const { svc, store, functions, clock } = await deployingAt(10);

    await recordFailure(svc, 'chg-1', 'failed', 'States.TaskFailed');

    const stored = store.changes.get('chg-1');
    expect(stored).toMatchObject({ status: 'failed', deployment: { endedAt: clock.now().toISOString() } });
    expect(store.entries).toMatchObject([{ type: 'ChangeFailed', details: { reason: 'States.TaskFailed', ...attested(stored) } }]);
    expect(store.targets.get(TARGET)).toMatchObject({ route: { functionVersion: '1' }, deployingChangeId: undefined });
    expect(functions.routeOf(FUNCTION, ALIAS)).toEqual({ functionVersion: '1' });
  });

  it('failed: records nothing for a change that already ended', async () => {
    const { svc, store } = await deployingAt(100, { change: { status: 'deployed' } });

    await recordFailure(svc, 'chg-1', 'failed', 'late failure');

    expect(store.entries).toEqual([]);
  });
});
