import type { Change, DeploymentRecord } from '../../../../lambdas/core/change';
import type { Target } from '../../../../lambdas/core/target';
import { type AlarmStateChange, rollBackOnAlarm } from '../../../../lambdas/core/use-cases/alarm-rollback';
import type { Services } from '../../../../lambdas/core/use-cases/services';
import { deployingAt } from '../../../fixtures/deploying';
import { FakeCodeDeploy, type Fakes } from '../../../fixtures/fakes';
import { ALIAS, aTarget, FUNCTION, TARGET } from '../../../fixtures/records';

const ALARM = `cmv-${TARGET}-error-rate`;
const REASON = 'Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0)';
/** The alarm's move to ALARM 40 min into chg-1's deployment (it started at 09:00). */
const firing = (over: Partial<AlarmStateChange> = {}): AlarmStateChange => ({
  alarmName: ALARM,
  state: 'ALARM',
  reason: REASON,
  at: '2026-03-02T09:40:00.000Z',
  ...over,
});

/**
 * chg-1 deploying with the codedeploy strategy: CodeDeploy deployment d-1 in `status`, which has
 * shifted the alias to `aliasWeight` % since the workflow recorded 10 %; the workflow looks at it (token tok-1).
 */
async function codeDeploying(status: 'InProgress' | 'Stopped', aliasWeight: number): Promise<Fakes & { codeDeploy: FakeCodeDeploy }> {
  const fakes = await deployingAt(10, {
    deployment: { strategy: 'codedeploy', codeDeployId: 'd-1', steps: [], deploymentConfig: 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute' },
  });
  fakes.store.seed({ targets: [aTarget({ deployingChangeId: 'chg-1', shiftedByCodeDeploy: true, revision: 3 })] });
  fakes.functions.moveAlias(
    FUNCTION,
    ALIAS,
    aliasWeight ? { functionVersion: '1', additionalVersion: '2', additionalWeight: aliasWeight / 100 } : { functionVersion: '1' },
  );
  await fakes.store.putTaskToken('chg-1', 'tok-1', 'codedeploy', { since: '2026-03-02T09:30:00.000Z', dueAt: '2026-03-02T09:31:00.000Z', key: 'c' });
  const codeDeploy = new FakeCodeDeploy().add('d-1', status);
  const svc: Services = { ...fakes.svc, codeDeploy, settings: { ...fakes.svc.settings, codeDeploy: { application: 'cmv', hooks: {} } } };
  return { ...fakes, svc, codeDeploy };
}

describe('rollBackOnAlarm()', () => {
  it('rolls back the change deploying to the alarm’s target at once: recorded with the alarm as reason, route, lock and alias back, the workflow woken', async () => {
    // Arrange
    const { svc, store, functions, workflow, clock } = await deployingAt(10);

    // Act
    const outcome = await rollBackOnAlarm(svc, firing());

    // Assert
    const reason = `alarm ${ALARM} in ALARM at 10%: ${REASON}`;
    const now = clock.now().toISOString();
    expect(outcome).toEqual({ action: 'rolled_back', changeId: 'chg-1' });
    expect(store.changes.get('chg-1')).toMatchObject({
      status: 'rolled_back',
      reason,
      deployment: {
        outcome: 'rolled_back',
        currentWeight: 0,
        endedAt: now,
        history: [{ weight: 10, decision: 'rollback', checkedAt: now, reason, alarms: [{ name: ALARM, state: 'ALARM' }] }],
      },
    });
    expect(store.entries).toMatchObject([
      {
        type: 'ChangeRolledBack',
        changeId: 'chg-1',
        actor: `alarm:${ALARM}`,
        details: { reason, trigger: 'alarm', alarm: ALARM, alarmAt: '2026-03-02T09:40:00.000Z', atWeight: 10, restoredFunctionVersion: '1' },
      },
    ]);
    expect(store.targets.get(TARGET)).toMatchObject({ route: { functionVersion: '1' }, deployingChangeId: undefined });
    expect(functions.routeOf(FUNCTION, ALIAS)).toEqual({ functionVersion: '1' });
    expect(workflow.resumed).toMatchObject([{ taskToken: 'tok-1', output: { changeId: 'chg-1', by: 'stopped' } }]);
    expect(store.taskTokens.has('chg-1')).toBe(false);
  });

  it('records nothing more when the same alarm event is delivered again (the target is free by then)', async () => {
    const { svc, store, workflow } = await deployingAt(10);
    await rollBackOnAlarm(svc, firing());

    const again = await rollBackOnAlarm(svc, firing());

    expect(again).toEqual({ action: 'none', why: `no change is deploying to ${TARGET}` });
    expect(store.entries).toHaveLength(1);
    expect(workflow.resumed).toHaveLength(1);
  });

  it('re-reads and still rolls back when the workflow recorded a step between the read and the write', async () => {
    // Arrange: the canary check closes the 10 % step (revision 8) just before the rollback commits.
    const { svc, store } = await deployingAt(10);
    const current = store.changes.get('chg-1') as Change;
    store.interleave(() =>
      store.seed({
        changes: [
          {
            ...current,
            revision: 8,
            deployment: {
              ...(current.deployment as DeploymentRecord),
              history: [{ weight: 10, at: '2026-03-02T09:30:00.000Z', decision: 'continue', reason: 'healthy at 10%' }],
            },
          },
        ],
      }),
    );

    // Act
    const outcome = await rollBackOnAlarm(svc, firing());

    // Assert: the step the workflow closed is kept; the rollback is a step of its own.
    expect(outcome).toEqual({ action: 'rolled_back', changeId: 'chg-1' });
    expect(store.changes.get('chg-1')).toMatchObject({ status: 'rolled_back', revision: 9 });
    expect(store.changes.get('chg-1')?.deployment?.history.map((h) => h.decision)).toEqual(['continue', 'rollback']);
    expect(store.entries.map((e) => e.type)).toEqual(['ChangeRolledBack']);
  });

  it("records no second rollback when an operator's abort committed between the read and the write", async () => {
    // Arrange: dana's /abort commits first (change rolled back, target unlocked and routed back).
    const { svc, store, functions } = await deployingAt(10);
    const current = store.changes.get('chg-1') as Change;
    store.interleave(() =>
      store.seed({
        changes: [{ ...current, status: 'rolled_back', reason: 'aborted by dana', revision: 8 }],
        targets: [aTarget({ route: { functionVersion: '1' }, revision: 4 })],
      }),
    );

    // Act
    const outcome = await rollBackOnAlarm(svc, firing());

    // Assert: the alarm says it did nothing, and why.
    expect(outcome).toEqual({ action: 'none', why: 'change chg-1 was rolled back before the alarm: aborted by dana' });
    expect(store.entries).toEqual([]);
    expect(store.changes.get('chg-1')).toMatchObject({ status: 'rolled_back', reason: 'aborted by dana', revision: 8 });
    expect(functions.routeOf(FUNCTION, ALIAS)).toEqual({ functionVersion: '1' });
  });

  it('picks the target with the longest name the alarm starts with (cmv-benefit-… is not cmv-benefit-calculator-…)', async () => {
    // Arrange: a target "benefit", free, listed first, whose prefix cmv-benefit- also starts the alarm's name.
    const { svc, store } = await deployingAt(10);
    const calculator = store.targets.get(TARGET) as Target;
    store.targets.clear();
    store.seed({ targets: [aTarget({ name: 'benefit', functionName: 'benefit' }), calculator] });

    // Act
    const outcome = await rollBackOnAlarm(svc, firing());

    // Assert
    expect(outcome).toEqual({ action: 'rolled_back', changeId: 'chg-1' });
  });

  it.each([
    ['OK', { state: 'OK' as const }, `alarm ${ALARM} is OK`],
    ['INSUFFICIENT_DATA', { state: 'INSUFFICIENT_DATA' as const }, `alarm ${ALARM} is INSUFFICIENT_DATA`],
    ['an alarm of no registered target', { alarmName: 'cmv-payroll-error-rate' }, 'alarm cmv-payroll-error-rate guards no registered target'],
    ['an alarm outside CMV', { alarmName: 'billing-estimate' }, 'alarm billing-estimate guards no registered target'],
    [
      "another of the target's alarms, not armed for this deployment",
      { alarmName: `cmv-${TARGET}-latency` },
      `alarm cmv-${TARGET}-latency does not guard change chg-1`,
    ],
    [
      'a move to ALARM before the deployment started (it must not block an emergency fix)',
      { at: '2026-03-02T08:59:59.000Z' },
      `alarm ${ALARM} went to ALARM before change chg-1 started deploying`,
    ],
  ])('does nothing on %s, recording and waking nothing', async (_case, over, why) => {
    // Arrange
    const { svc, store, functions, workflow } = await deployingAt(10);

    // Act
    const outcome = await rollBackOnAlarm(svc, firing(over));

    // Assert
    expect(outcome).toEqual({ action: 'none', why });
    expect(store.entries).toEqual([]);
    expect(store.changes.get('chg-1')?.status).toBe('deploying');
    expect(functions.updates).toEqual([]);
    expect(workflow.resumed).toEqual([]);
  });

  it('does nothing when no change is deploying to the target', async () => {
    const { svc, store } = await deployingAt(10);
    store.seed({ targets: [aTarget()] });

    expect(await rollBackOnAlarm(svc, firing())).toEqual({ action: 'none', why: `no change is deploying to ${TARGET}` });
    expect(store.entries).toEqual([]);
  });

  it.each([
    ['no longer deploying', { status: 'deployed' as const }],
    ['without a deployment', { deployment: undefined }],
  ])('does nothing when the change holding the lock is %s', async (_case, change) => {
    const { svc, store } = await deployingAt(10, { change });

    expect(await rollBackOnAlarm(svc, firing())).toEqual({ action: 'none', why: 'change chg-1 is not deploying' });
    expect(store.entries).toEqual([]);
  });

  it('does nothing when the lock names a change that does not exist', async () => {
    const { svc, store } = await deployingAt(10);
    store.changes.delete('chg-1');

    expect(await rollBackOnAlarm(svc, firing())).toEqual({ action: 'none', why: 'change chg-1 is not deploying' });
  });

  it('counts from when the change was last updated when its deployment records no start', async () => {
    // Arrange: no startedAt; the change was last written at 09:45.
    const { svc } = await deployingAt(10, { change: { updatedAt: '2026-03-02T09:45:00.000Z' }, deployment: { startedAt: undefined } });

    // Act
    const before = await rollBackOnAlarm(svc, firing({ at: '2026-03-02T09:44:59.000Z' }));
    const after = await rollBackOnAlarm(svc, firing({ at: '2026-03-02T09:45:00.000Z' }));

    // Assert
    expect(before).toEqual({ action: 'none', why: `alarm ${ALARM} went to ALARM before change chg-1 started deploying` });
    expect(after).toEqual({ action: 'rolled_back', changeId: 'chg-1' });
  });

  describe('with the codedeploy strategy', () => {
    it("records the shift CodeDeploy made, rolls back at the alias's weight, stops the deployment and puts the alias back", async () => {
      // Arrange: CodeDeploy is at 20 %, the workflow recorded 10 %.
      const { svc, store, functions, workflow, codeDeploy } = await codeDeploying('InProgress', 20);

      // Act
      const outcome = await rollBackOnAlarm(svc, firing());

      // Assert
      const reason = `alarm ${ALARM} in ALARM at 20%: ${REASON}`;
      expect(outcome).toEqual({ action: 'stopped_codedeploy', changeId: 'chg-1' });
      expect(store.entries).toMatchObject([
        { type: 'TrafficShifted', actor: 'cmv-workflow', details: { weight: 20, observedFrom: 'CodeDeploy', deploymentId: 'd-1' } },
        { type: 'ChangeRolledBack', actor: `alarm:${ALARM}`, details: { reason, trigger: 'alarm', atWeight: 20 } },
      ]);
      expect(store.changes.get('chg-1')?.deployment?.history.map((h) => [h.weight, h.decision])).toEqual([
        [10, 'continue'],
        [20, 'rollback'],
      ]);
      expect(codeDeploy.stopped).toEqual(['d-1']);
      expect(store.targets.get(TARGET)).toMatchObject({ route: { functionVersion: '1' }, deployingChangeId: undefined, shiftedByCodeDeploy: undefined });
      expect(functions.routeOf(FUNCTION, ALIAS)).toEqual({ functionVersion: '1' });
      expect(workflow.resumed).toMatchObject([{ taskToken: 'tok-1', output: { wait: 'codedeploy', by: 'stopped' } }]);
    });

    it('rolls back at the last weight recorded, stopping nothing, when CodeDeploy already rolled the alias back and ended', async () => {
      const { svc, store, codeDeploy } = await codeDeploying('Stopped', 0);

      const outcome = await rollBackOnAlarm(svc, firing());

      expect(outcome).toEqual({ action: 'stopped_codedeploy', changeId: 'chg-1' });
      expect(store.entries).toMatchObject([{ type: 'ChangeRolledBack', details: { reason: `alarm ${ALARM} in ALARM at 10%: ${REASON}`, atWeight: 10 } }]);
      expect(codeDeploy.stopped).toEqual([]);
    });

    it('tolerates a deployment that ended between its look and the stop', async () => {
      // Arrange
      const { svc, store, functions, codeDeploy } = await codeDeploying('InProgress', 20);
      codeDeploy.interleave(() => codeDeploy.set('d-1', 'Stopped', { code: 'ALARM_ACTIVE', message: 'alarm' }));

      // Act
      const outcome = await rollBackOnAlarm(svc, firing());

      // Assert
      expect(outcome).toEqual({ action: 'stopped_codedeploy', changeId: 'chg-1' });
      expect(store.changes.get('chg-1')?.status).toBe('rolled_back');
      expect(functions.routeOf(FUNCTION, ALIAS)).toEqual({ functionVersion: '1' });
    });

    it('does nothing before the change has a CodeDeploy deployment', async () => {
      // Arrange
      const { svc, store, workflow } = await deployingAt(10, { deployment: { strategy: 'codedeploy', steps: [] } });

      // Act
      const outcome = await rollBackOnAlarm(svc, firing());

      // Assert
      expect(outcome).toEqual({ action: 'none', why: 'change chg-1 has no CodeDeploy deployment yet' });
      expect(store.entries).toEqual([]);
      expect(store.changes.get('chg-1')?.status).toBe('deploying');
      expect(workflow.resumed).toEqual([]);
    });
  });
});
