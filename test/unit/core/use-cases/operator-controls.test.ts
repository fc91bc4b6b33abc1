import { canaryReport, canaryReportSha256 } from '../../../../lambdas/core/canary-report';
import type { Change, DeploymentRecord } from '../../../../lambdas/core/change';
import { ConflictError, ForbiddenError } from '../../../../lambdas/core/errors';
import { controlDeployment } from '../../../../lambdas/core/use-cases/operator-controls';
import { deployingAt } from '../../../fixtures/deploying';
import { ALIAS, caller, FUNCTION, TARGET } from '../../../fixtures/records';

const dana = caller('dana', 'release_admin');
const PAUSED = { by: 'erin', at: '2026-03-02T09:40:00.000Z', reason: 'looking at the p99' };

describe('controlDeployment()', () => {
  it('pause: records who paused and why with a DeploymentPaused entry, then wakes the bake early', async () => {
    // Arrange
    const { svc, store, workflow, clock } = await deployingAt(10);

    // Act
    await controlDeployment(svc, dana, 'chg-1', 'pause', 'p99 is climbing');

    // Assert
    expect(store.changes.get('chg-1')).toMatchObject({
      status: 'deploying',
      revision: 8,
      deployment: { paused: { by: 'dana', at: clock.now().toISOString(), reason: 'p99 is climbing' } },
    });
    expect(store.entries).toMatchObject([{ type: 'DeploymentPaused', actor: 'dana', details: { reason: 'p99 is climbing', weight: 10 } }]);
    expect(workflow.resumed).toMatchObject([{ taskToken: 'tok-1', output: { changeId: 'chg-1', by: 'paused' } }]);
    expect(store.taskTokens.has('chg-1')).toBe(false);
  });

  it('resume: clears the pause with a DeploymentResumed entry, the default reason naming the caller', async () => {
    const { svc, store, workflow } = await deployingAt(10, { deployment: { paused: PAUSED } });

    await controlDeployment(svc, dana, 'chg-1', 'resume');

    expect(store.changes.get('chg-1')?.deployment?.paused).toBeUndefined();
    expect(store.entries).toMatchObject([{ type: 'DeploymentResumed', actor: 'dana', details: { reason: 'resume by dana', weight: 10 } }]);
    expect(workflow.resumed).toMatchObject([{ output: { by: 'resumed' } }]);
  });

  it('promote: records the request (and lifts a pause) with a PromotionRequested entry', async () => {
    const { svc, store, workflow } = await deployingAt(10, { deployment: { paused: PAUSED } });

    await controlDeployment(svc, dana, 'chg-1', 'promote', 'business sign-off');

    expect(store.changes.get('chg-1')?.deployment).toMatchObject({ paused: undefined, promoteRequested: { by: 'dana', reason: 'business sign-off' } });
    expect(store.entries).toMatchObject([{ type: 'PromotionRequested', details: { reason: 'business sign-off', weight: 10 } }]);
    expect(workflow.resumed).toMatchObject([{ output: { by: 'promote' } }]);
  });

  it('abort: rolls back at once — route, lock and alias back on the previous version, the canary report attested', async () => {
    // Arrange
    const { svc, store, functions, workflow, clock } = await deployingAt(10);

    // Act
    const changed = await controlDeployment(svc, dana, 'chg-1', 'abort', 'wrong tax table');

    // Assert
    const stored = store.changes.get('chg-1') as Change;
    expect(stored).toMatchObject({ status: 'rolled_back', deployment: { outcome: 'rolled_back', currentWeight: 0, endedAt: clock.now().toISOString() } });
    expect(changed).toEqual(stored);
    expect(store.entries).toMatchObject([
      {
        type: 'ChangeRolledBack',
        actor: 'dana',
        details: {
          reason: 'aborted by dana: wrong tax table',
          trigger: 'operator',
          restoredFunctionVersion: '1',
          restoredVersion: '1.0.0',
          atWeight: 10,
          canaryReport: { sha256: canaryReportSha256(canaryReport(stored)) },
        },
      },
    ]);
    expect(store.targets.get(TARGET)).toMatchObject({ route: { functionVersion: '1' }, deployingChangeId: undefined });
    expect(functions.routeOf(FUNCTION, ALIAS)).toEqual({ functionVersion: '1' });
    expect(workflow.resumed).toMatchObject([{ output: { by: 'stopped' } }]);
  });

  it.each([
    ['pause of a paused canary', 'pause', { paused: PAUSED }, /already paused \(by erin/],
    ['resume of a canary not paused', 'resume', {}, /is not paused/],
    ['pause once promotion was requested', 'pause', { promoteRequested: PAUSED }, /promotion of change chg-1 was requested by erin: it cannot be paused/],
    [
      'promote once the last step decided to promote',
      'promote',
      { history: [{ weight: 100, at: PAUSED.at, decision: 'promote' as const }] },
      /can only be aborted/,
    ],
  ] as const)('refuses a %s with a 409, recording nothing and waking nothing', async (_case, control, deployment, message) => {
    const { svc, store, workflow } = await deployingAt(10, { deployment });

    const controlled = controlDeployment(svc, dana, 'chg-1', control);

    await expect(controlled).rejects.toThrow(ConflictError);
    await expect(controlled).rejects.toThrow(message);
    expect(store.entries).toEqual([]);
    expect(workflow.resumed).toEqual([]);
  });

  it.each(['pause', 'abort'] as const)('refuses %s of a change no longer deploying with a 409', async (control) => {
    const { svc, store } = await deployingAt(10, { change: { status: 'deployed' } });

    await expect(controlDeployment(svc, dana, 'chg-1', control)).rejects.toThrow(/it is deployed, not deploying/);
    expect(store.entries).toEqual([]);
  });

  it('refuses a caller without release_admin with a 403', async () => {
    const { svc, store } = await deployingAt(10);

    const controlled = controlDeployment(svc, caller('alice', 'requester', 'cab'), 'chg-1', 'abort');

    await expect(controlled).rejects.toThrow(ForbiddenError);
    expect(store.entries).toEqual([]);
    expect(store.changes.get('chg-1')?.status).toBe('deploying');
  });

  it('refuses a pause when a concurrent operator paused between the read and the write, keeping theirs', async () => {
    // Arrange
    const { svc, store, workflow } = await deployingAt(10);
    const current = store.changes.get('chg-1') as Change;
    store.interleave(() =>
      store.seed({ changes: [{ ...current, revision: current.revision + 1, deployment: { ...(current.deployment as DeploymentRecord), paused: PAUSED } }] }),
    );

    // Act
    const paused = controlDeployment(svc, dana, 'chg-1', 'pause');

    // Assert
    await expect(paused).rejects.toThrow(/already paused \(by erin/);
    expect(store.changes.get('chg-1')?.deployment?.paused).toEqual(PAUSED);
    expect(store.entries).toEqual([]);
    expect(workflow.resumed).toEqual([]);
  });
});
