import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { approveByBob, EXAMPLE, exampleChange, type Stack, startStack, TARGET, trafficUntil, waitForStatus } from './local-stack';

/**
 * The codedeploy strategy on the local stack: the workflow creates a CodeDeploy deployment on the
 * target's deployment group (a custom canary config: 10 %, then 100 % fifteen minutes later — 15 s
 * here: long enough that, on a loaded machine too, the requests reaching the new version at 10 % fail
 * and raise the alarm before the interval ends), CodeDeploy's hooks run CMV's smoke tests, its alarms
 * stop an unhealthy deployment and CodeDeploy rolls the alias back; the workflow follows it and
 * records the outcome.
 */
jest.setTimeout(180_000);

describe('codedeploy strategy (local stack)', () => {
  let stack: Stack;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cmv-codedeploy-'));
    const target = JSON.parse(await readFile(join(EXAMPLE, 'target.json'), 'utf8'));
    // A claim without dependants: 1.2.0 passes it (and fails live claims with dependants).
    const claim = (JSON.parse(await readFile(join(EXAMPLE, 'traffic', 'claims.json'), 'utf8')) as { dependants?: number }[]).find((c) => c.dependants === 0);
    await writeFile(
      join(dir, 'target.json'),
      JSON.stringify({
        ...target,
        source: join(EXAMPLE, 'service'),
        strategy: 'codedeploy',
        codeDeploy: {
          deploymentConfig: 'cmv-canary-10-15',
          customConfigs: [{ name: 'cmv-canary-10-15', type: 'canary', percentage: 10, intervalMinutes: 15 }],
        },
        smokeTests: [{ name: 'maximum benefit', payload: claim, expect: { maximumWeeklyBenefit: 1105 } }],
      }),
    );
    stack = await startStack({ speed: 60, targets: [join(dir, 'target.json')] });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const approve = (changeId: string) => approveByBob(stack, changeId);
  const codeDeployment = async (id: string) => {
    const out = (await stack.runtime.codeDeploy.send(new GetDeploymentCommand({ deploymentId: id }))) as {
      deploymentInfo: { status: string; deploymentConfigName: string; errorInformation?: { code: string }; rollbackInfo?: { rollbackDeploymentId?: string } };
    };
    return out.deploymentInfo;
  };

  it('promotes a healthy change: CodeDeploy shifts 10 % then 100 % per the custom config, its hooks pass the smoke tests', async () => {
    const { changeId } = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json'));
    await approve(changeId);
    const done = waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed'], 120_000);
    await trafficUntil(stack.api, done);
    const change = await done;

    expect(change.status).toBe('deployed');
    const d = change.deployment;
    expect(d?.strategy).toBe('codedeploy');
    expect(d?.history.map((s) => s.weight)).toEqual([10, 100]);
    expect(d?.smokeTests?.map((r) => [r.phase, r.passed])).toEqual([
      ['before-traffic', true],
      ['after-traffic', true],
    ]);
    expect(await codeDeployment(d?.codeDeployId ?? '')).toMatchObject({ status: 'Succeeded', deploymentConfigName: 'cmv-canary-10-15' });
    expect((await stack.api.target(TARGET)).alias.routingPercent).toEqual({ [d?.toFunctionVersion ?? '']: 100 });
    expect((await stack.api.audit({ changeId, type: 'CodeDeployStarted' }, 'erin')).items).toEqual([
      expect.objectContaining({ details: expect.objectContaining({ deploymentGroup: TARGET, deploymentConfig: 'cmv-canary-10-15' }) }),
    ]);
  });

  it('rolls back an unhealthy change: its alarm stops the deployment at 10 % and the alias serves only the old version', async () => {
    const before = await stack.api.target(TARGET);
    const { changeId } = await stack.api.propose(await exampleChange('1.2.0-itemised-dependants.json'));
    await approve(changeId);
    const done = waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed'], 120_000);
    const seen = await trafficUntil(stack.api, done);
    const change = await done;

    expect(change.status).toBe('rolled_back');
    expect(change.reason).toMatch(/ALARM_ACTIVE|alarm cmv-benefit-calculator-error-rate/);
    const d = change.deployment;
    expect(seen[d?.toFunctionVersion ?? '']?.errors).toBeGreaterThan(0);
    expect(d?.history.map((s) => s.weight)).toEqual([10]);
    const info = await codeDeployment(d?.codeDeployId ?? '');
    expect(info.status).toBe('Stopped');
    expect(info.rollbackInfo?.rollbackDeploymentId).toBeDefined();
    expect((await stack.api.target(TARGET)).alias.routingPercent).toEqual({ [before.liveFunctionVersion]: 100 });
  });

  it('rolls back when the BeforeAllowTraffic hook fails its smoke test: no traffic ever reaches the new version', async () => {
    const before = await stack.api.target(TARGET);
    const { changeId } = await stack.api.propose(
      await exampleChange('1.1.0-seasonal-bonus.json', {
        version: '1.1.5',
        code: undefined,
        baseVersion: undefined,
        config: { MAX_WEEKLY_BENEFIT: '500', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
      }),
    );
    await approve(changeId);
    const change = await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed'], 120_000);

    expect(change.status).toBe('rolled_back');
    expect(change.reason).toMatch(/HOOK_EXECUTION_FAILURE/);
    expect(change.deployment?.history).toEqual([]);
    expect(change.deployment?.smokeTests?.map((r) => [r.phase, r.passed])).toEqual([['before-traffic', false]]);
    expect((await codeDeployment(change.deployment?.codeDeployId ?? '')).errorInformation?.code).toBe('HOOK_EXECUTION_FAILURE');
    expect((await stack.api.target(TARGET)).alias.routingPercent).toEqual({ [before.liveFunctionVersion]: 100 });
  });

  it('lets a release admin abort mid-canary (StopDeployment, alias back, recorded with the reason) but not pause', async () => {
    const before = await stack.api.target(TARGET);
    const { changeId } = await stack.api.propose(
      await exampleChange('1.1.0-seasonal-bonus.json', {
        version: '1.1.6',
        code: undefined,
        baseVersion: undefined,
        config: { MAX_WEEKLY_BENEFIT: '1105', MIN_BASE_PERIOD_WAGES: '6400', DEPENDENCY_ALLOWANCE: '25' },
      }),
    );
    await approve(changeId);
    for (let c = await stack.api.change(changeId); c.deployment?.currentWeight !== 10; c = await stack.api.change(changeId)) {
      if (['deployed', 'rolled_back', 'failed'].includes(c.status)) throw new Error(`change ended ${c.status}: ${c.reason}`);
      await new Promise((r) => setTimeout(r, 20));
    }

    await expect(stack.api.control(changeId, 'pause', 'hold', 'dana')).rejects.toMatchObject({ status: 409 });
    const aborted = await stack.api.control(changeId, 'abort', 'wrong figure', 'dana');

    expect(aborted.status).toBe('rolled_back');
    expect(aborted.reason).toBe('aborted by dana: wrong figure');
    expect((await codeDeployment(aborted.deployment?.codeDeployId ?? '')).status).toBe('Stopped');
    expect((await stack.api.target(TARGET)).alias.routingPercent).toEqual({ [before.liveFunctionVersion]: 100 });
    const ended = await waitForStatus(stack.api, changeId, ['rolled_back']);
    expect(ended.deployment?.history.at(-1)).toMatchObject({ weight: 10, decision: 'rollback', reason: 'aborted by dana: wrong figure' });
  });
});
