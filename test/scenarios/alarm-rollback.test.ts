import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Change } from '../../lambdas/core/change';
import { rollBackOnAlarm } from '../../lambdas/core/use-cases/alarm-rollback';
import { approvalLink, EXAMPLE, exampleChange, type Stack, startStack, TARGET, trafficUntil, waitForChange, waitForStatus } from '../integration/local-stack';

/**
 * The alarm handler's use case on the local stack: which alarm state changes roll a deploying
 * change back at once, and which are ignored (SAM #716: an alarm already firing before the
 * deployment must not block it).
 */
jest.setTimeout(180_000);

describe('rollBackOnAlarm() (local stack)', () => {
  let stack: Stack;
  let n = 0;
  beforeAll(async () => {
    // The example without its smoke tests: a version that cannot start must reach traffic here, for its alarm to fire.
    const dir = await mkdtemp(join(tmpdir(), 'cmv-alarm-rollback-'));
    const target = JSON.parse(await readFile(join(EXAMPLE, 'target.json'), 'utf8'));
    await writeFile(join(dir, 'target.json'), JSON.stringify({ ...target, source: join(EXAMPLE, target.source), smokeTests: [] }));
    stack = await startStack({ speed: 60, targets: [join(dir, 'target.json')] });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** A config-only change deploying at `weight` % with a 15-minute bake (15 s here); `broken`: its version cannot start (every request fails). */
  const deploying = async (broken = false, weight = 10): Promise<Change> => {
    n++;
    const body = await exampleChange('1.1.0-seasonal-bonus.json', {
      version: `1.0.${n}`,
      baseVersion: undefined,
      code: undefined,
      canary: { steps: [weight, 100], bakeSeconds: 900 },
      config: { MAX_WEEKLY_BENEFIT: broken ? '-1' : String(1105 + n), MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
    });
    const { changeId } = await stack.api.propose(body);
    await waitForChange(stack.api, changeId, (c) => c.status === 'awaiting_approval' && c.approvalRequestedAt !== undefined);
    const link = await approvalLink(stack, changeId, 'bob@example.org');
    await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve&comment=ok' });
    return waitForChange(stack.api, changeId, (c) => c.deployment?.currentWeight === weight);
  };

  const errorRate = `cmv-${TARGET}-error-rate`;

  it('rolls the alias back at once when an alarm guarding the deployment goes to ALARM after it started', async () => {
    const c = await deploying();
    const liveBefore = (await stack.api.target(TARGET)).liveFunctionVersion;

    const outcome = await rollBackOnAlarm(stack.runtime.services, {
      alarmName: errorRate,
      state: 'ALARM',
      reason: 'Threshold Crossed',
      at: new Date().toISOString(),
    });

    expect(outcome).toEqual({ action: 'rolled_back', changeId: c.changeId });
    const after = await stack.api.change(c.changeId);
    expect(after.status).toBe('rolled_back');
    expect(after.reason).toBe(`alarm ${errorRate} in ALARM at 10%: Threshold Crossed`);
    expect((await stack.api.target(TARGET)).alias.routingPercent).toEqual({ [liveBefore]: 100 });
    const [entry] = (await stack.api.audit({ changeId: c.changeId, type: 'ChangeRolledBack' }, 'erin')).items;
    expect(entry).toMatchObject({ actor: `alarm:${errorRate}`, details: { trigger: 'alarm', alarm: errorRate } });
    // The workflow, mid-bake, sees the change rolled back at its next check and ends (jest's timeout bounds the wait).
    while (stack.runtime.sfn.execution(c.changeId)?.status !== 'FAILED') await new Promise((r) => setTimeout(r, 50));
  });

  it('ignores an alarm that went to ALARM before the deployment started, other alarms, other states, and targets with nothing deploying', async () => {
    const c = await deploying();
    const before = new Date(Date.parse(c.deployment?.startedAt ?? '') - 1000).toISOString();
    const now = new Date().toISOString();

    const outcomes = [
      await rollBackOnAlarm(stack.runtime.services, { alarmName: errorRate, state: 'ALARM', reason: 'old', at: before }),
      await rollBackOnAlarm(stack.runtime.services, { alarmName: `cmv-${TARGET}-unrelated`, state: 'ALARM', reason: 'x', at: now }),
      await rollBackOnAlarm(stack.runtime.services, { alarmName: errorRate, state: 'OK', reason: 'fine', at: now }),
      await rollBackOnAlarm(stack.runtime.services, { alarmName: 'cmv-other-service-error-rate', state: 'ALARM', reason: 'x', at: now }),
    ];

    expect(outcomes.map((o) => o.action)).toEqual(['none', 'none', 'none', 'none']);
    expect(outcomes.map((o) => ('why' in o ? o.why : ''))).toEqual([
      `alarm ${errorRate} went to ALARM before change ${c.changeId} started deploying`,
      `alarm cmv-${TARGET}-unrelated does not guard change ${c.changeId}`,
      `alarm ${errorRate} is OK`,
      'alarm cmv-other-service-error-rate guards no registered target',
    ]);
    expect((await stack.api.change(c.changeId)).status).toBe('deploying');
    await stack.api.control(c.changeId, 'abort', 'end of test', 'dana');
    expect(await rollBackOnAlarm(stack.runtime.services, { alarmName: errorRate, state: 'ALARM', reason: 'x', at: now })).toEqual({
      action: 'none',
      why: `no change is deploying to ${TARGET}`,
    });
  });

  it('end to end: the local evaluator puts the alarm state change on the bus, the rule runs the alarm handler, and the alias goes back while the canary is held', async () => {
    // At 50 %, so that enough requests reach the broken version in each alarm period however slow the machine.
    const c = await deploying(true, 50);
    const liveBefore = (await stack.api.target(TARGET)).liveFunctionVersion;
    // Held before any traffic reaches the new version: the workflow's own check, which also reads the alarms after
    // each bake slice, does not run while the canary waits in AwaitResume — only the alarm's event can roll it back.
    await stack.api.control(c.changeId, 'pause', 'hold for the alarm', 'dana');
    while (stack.runtime.sfn.execution(c.changeId)?.currentState !== 'AwaitResume') await new Promise((r) => setTimeout(r, 50));

    const rolledBack = waitForStatus(stack.api, c.changeId, ['rolled_back', 'deployed', 'failed'], 120_000);
    const seen = await trafficUntil(stack.api, rolledBack);

    expect((await rolledBack).status).toBe('rolled_back');
    expect(seen[c.deployment?.toFunctionVersion ?? '']?.errors).toBeGreaterThan(0);
    expect((await stack.api.target(TARGET)).alias.routingPercent).toEqual({ [liveBefore]: 100 });
    const [entry] = (await stack.api.audit({ changeId: c.changeId, type: 'ChangeRolledBack' }, 'erin')).items;
    expect(entry).toMatchObject({ actor: `alarm:${errorRate}`, details: { trigger: 'alarm', alarm: errorRate } });
    const onBus = await stack.runtime.events.read({ source: ['aws.cloudwatch'], detail: { alarmName: [errorRate], state: { value: ['ALARM'] } } });
    expect(onBus.at(-1)).toMatchObject({ 'detail-type': 'CloudWatch Alarm State Change', resources: [expect.stringContaining(`alarm:${errorRate}`)] });
  });
});
