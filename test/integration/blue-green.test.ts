import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteProvisionedConcurrencyConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  PutProvisionedConcurrencyConfigCommand,
} from '@aws-sdk/client-lambda';
import type { Change } from '../../lambdas/core/change';
import type { LedgerEntry } from '../../lambdas/core/ledger';
import { rollBackOnAlarm } from '../../lambdas/core/use-cases/alarm-rollback';
import { approvalLink, EXAMPLE, exampleChange, type Stack, startStack, TARGET, waitForStatus } from './local-stack';

/**
 * The blue-green strategy through the HTTP API and the real workflow on the local stack: the new
 * version warmed (provisioned concurrency READY on the local Lambda) before the alias switches to it
 * 0 → 100 % in one update, the old version warm through the bake and released after it; an alarm
 * during the bake switches back; a warm-up that FAILED never switches.
 */
jest.setTimeout(240_000);

const FUNCTION = TARGET;
/** 15 minutes of bake (15 s at speed 60): the tests end it (promote, an alarm), never wait it out. */
const BAKE_SECONDS = 900;

describe('blue-green deployments (local stack)', () => {
  let stack: Stack;
  let n = 0;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cmv-blue-green-'));
    const target = JSON.parse(await readFile(join(EXAMPLE, 'target.json'), 'utf8'));
    const blueGreen = {
      ...target,
      source: join(EXAMPLE, target.source),
      strategy: 'blue-green',
      blueGreen: { provisionedConcurrency: 3, bakeSeconds: BAKE_SECONDS },
    };
    await writeFile(join(dir, 'target.json'), JSON.stringify(blueGreen));
    stack = await startStack({ speed: 60, targets: [join(dir, 'target.json')] });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const provisioned = async (functionVersion: string) => {
    try {
      return await stack.runtime.lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: FUNCTION, Qualifier: functionVersion }));
    } catch (err) {
      return (err as Error).name;
    }
  };
  /** The change's ledger entries (of `type`), oldest first. */
  const entries = async (changeId: string, type?: string): Promise<LedgerEntry[]> =>
    (await stack.api.audit({ changeId, ...(type ? { type } : {}) }, 'erin')).items.sort((a, b) => a.time.localeCompare(b.time) || a.seq - b.seq);
  const until = async <T>(look: () => Promise<T | undefined>): Promise<T> => {
    for (;;) {
      const found = await look();
      if (found !== undefined) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  /** Proposes a config-only change, approves it, and returns its id once it is deploying. */
  const approved = async (maxWeeklyBenefit: string): Promise<string> => {
    n++;
    const body = await exampleChange('1.1.0-seasonal-bonus.json', {
      version: `1.0.${n}`,
      baseVersion: undefined,
      code: undefined,
      canary: undefined,
      config: { MAX_WEEKLY_BENEFIT: maxWeeklyBenefit, MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
    });
    const { changeId } = await stack.api.propose(body);
    await until(async () => {
      const c = await stack.api.change(changeId);
      return c.status === 'awaiting_approval' && c.approvalRequestedAt ? c : undefined;
    });
    const link = await approvalLink(stack, changeId, 'bob@example.org');
    await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve&comment=ok' });
    return changeId;
  };
  /** The change once its alias switched (baking at 100 %). */
  const switched = (changeId: string): Promise<Change> =>
    until(async () => {
      const c = await stack.api.change(changeId);
      if (c.status !== 'deploying' && c.status !== 'awaiting_approval' && c.status !== 'scheduled')
        throw new Error(`change ${changeId} ended ${c.status}: ${c.reason}`);
      return c.deployment?.currentWeight === 100 ? c : undefined;
    });
  /** The old version warm as an earlier blue-green deployment would have left it. */
  const warmLive = async () => {
    const live = (await stack.api.target(TARGET)).liveFunctionVersion;
    await stack.runtime.lambda.send(
      new PutProvisionedConcurrencyConfigCommand({ FunctionName: FUNCTION, Qualifier: live, ProvisionedConcurrentExecutions: 2 }),
    );
    return live;
  };

  it('warms the new version until READY, switches the alias 0 → 100 % in one update with the old version warm, and releases the old one after the bake', async () => {
    // Arrange
    const old = await warmLive();
    const changeId = await approved('1150');

    // Act: the switch; then the bake ended early by an operator's promote.
    const baking = await switched(changeId);
    const green = baking.deployment?.toFunctionVersion ?? '';
    const duringBake = { green: await provisioned(green), blue: await provisioned(old), alias: (await stack.api.target(TARGET)).alias.routingPercent };
    const pause = stack.api.control(changeId, 'pause', 'hold', 'dana').catch((err) => err);
    await stack.api.control(changeId, 'promote', 'looks good', 'dana');
    const done = await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed']);
    const [released] = await until(async () => {
      const found = await entries(changeId, 'ProvisionedConcurrencyReleased');
      return found.length ? found : undefined;
    });

    // Assert: warmed before the switch, one shift straight to 100 %, the old version warm while baking.
    expect(done.status).toBe('deployed');
    expect(duringBake).toEqual({
      green: expect.objectContaining({ Status: 'READY', AllocatedProvisionedConcurrentExecutions: 3 }),
      blue: expect.objectContaining({ Status: 'READY', RequestedProvisionedConcurrentExecutions: 2 }),
      alias: { [green]: 100 },
    });
    const types = (await entries(changeId)).map((e) => e.type);
    const shifts = (await entries(changeId, 'TrafficShifted')).map((e) => e.details.weight);
    expect(shifts).toEqual([100]);
    expect(types.indexOf('ProvisionedConcurrencyRequested')).toBeLessThan(types.indexOf('ProvisionedConcurrencyReady'));
    expect(types.indexOf('ProvisionedConcurrencyReady')).toBeLessThan(types.indexOf('SmokeTestsPassed'));
    expect(types.indexOf('SmokeTestsPassed')).toBeLessThan(types.indexOf('TrafficShifted'));
    // Pause has no step to hold: refused with the strategy's reason; promote was taken.
    expect(await pause).toMatchObject({ status: 409, message: expect.stringMatching(/blue-green deployment cannot pause/) });
    // After the bake: the old version released (and recorded), the new one warm and live.
    expect(released).toMatchObject({ target: TARGET, actor: 'cmv-workflow', details: { functionVersion: old, hadConfig: true } });
    expect(await provisioned(old)).toBe('ProvisionedConcurrencyConfigNotFoundException');
    expect(await provisioned(green)).toMatchObject({ Status: 'READY' });
    expect((await stack.api.target(TARGET)).alias.routingPercent).toEqual({ [green]: 100 });
  });

  it('switches back to the old version at once when an alarm fires during the bake, and releases the new version', async () => {
    // Arrange
    const old = await warmLive();
    const changeId = await approved('1160');
    const baking = await switched(changeId);
    const green = baking.deployment?.toFunctionVersion ?? '';

    // Act
    const outcome = await rollBackOnAlarm(stack.runtime.services, {
      alarmName: `cmv-${TARGET}-error-rate`,
      state: 'ALARM',
      reason: 'Threshold Crossed',
      at: new Date().toISOString(),
    });

    // Assert: back on the old version alone, which is still warm; the new version's provisioned concurrency released.
    expect(outcome).toEqual({ action: 'rolled_back', changeId });
    const after = await stack.api.change(changeId);
    expect({ status: after.status, reason: after.reason }).toEqual({
      status: 'rolled_back',
      reason: `alarm cmv-${TARGET}-error-rate in ALARM after the switch: Threshold Crossed`,
    });
    expect((await stack.api.target(TARGET)).alias.routingPercent).toEqual({ [old]: 100 });
    expect(await provisioned(old)).toMatchObject({ Status: 'READY' });
    expect(await provisioned(green)).toBe('ProvisionedConcurrencyConfigNotFoundException');
    expect((await entries(changeId, 'ProvisionedConcurrencyReleased')).map((e) => e.details)).toEqual([{ functionVersion: green, hadConfig: true }]);
    await until(async () => (stack.runtime.sfn.execution(changeId)?.status === 'FAILED' ? true : undefined));
    await stack.runtime.lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: FUNCTION, Qualifier: old }));
  });

  it('fails the change with nothing switched when the warm-up FAILED (the new version cannot initialize), and releases the failed config', async () => {
    // Arrange: a config the service refuses at load: its execution environments cannot initialize.
    const live = (await stack.api.target(TARGET)).liveFunctionVersion;
    const changeId = await approved('-1');

    // Act
    const done = await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed']);

    // Assert
    expect(done.status).toBe('failed');
    expect(done.reason).toMatch(
      /provisioned concurrency of version \d+ FAILED \(FUNCTION_ERROR_INIT_FAILURE: .*MAX_WEEKLY_BENEFIT.*\): no traffic was switched/,
    );
    const types = (await entries(changeId)).map((e) => e.type);
    expect(types).toContain('ProvisionedConcurrencyRequested');
    expect(types).not.toContain('ProvisionedConcurrencyReady');
    expect(types).not.toContain('TrafficShifted');
    expect(types).not.toContain('SmokeTestsPassed');
    expect((await stack.api.target(TARGET)).alias.routingPercent).toEqual({ [live]: 100 });
    const green = done.deployment?.toFunctionVersion ?? '';
    await until(async () => ((await entries(changeId, 'ProvisionedConcurrencyReleased')).length ? true : undefined));
    expect(await provisioned(green)).toBe('ProvisionedConcurrencyConfigNotFoundException');
  });
});
