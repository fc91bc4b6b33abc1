import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { approveByBob, EXAMPLE, exampleChange, type Stack, startStack, TARGET, trafficUntil, waitForStatus } from '../integration/local-stack';

/**
 * Latency rolls back where CMV does not judge the steps itself: a codedeploy deployment of a slow
 * version (the example's wage-records look-up at 600 ms: no request fails) is stopped by the p99
 * latency alarm on the new version (`alarms.p99LatencyMs`, p99 of Duration by ExecutedVersion), which
 * the local CloudWatch evaluates and CodeDeploy watches. CodeDeploy's custom config holds 10 % for 15
 * minutes (15 s here), long enough for the alarm's 1-minute period (1 s) to see the slow requests.
 */
jest.setTimeout(180_000);

describe('p99 latency alarm (local stack, codedeploy)', () => {
  let stack: Stack;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cmv-latency-alarm-'));
    const target = JSON.parse(await readFile(join(EXAMPLE, 'target.json'), 'utf8'));
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
        alarms: { ...target.alarms, p99LatencyMs: 400 },
      }),
    );
    stack = await startStack({ speed: 60, targets: [join(dir, 'target.json')] });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('rolls back a slow version that never fails a request: the p99 alarm stops the deployment at 10 %', async () => {
    const before = await stack.api.target(TARGET);
    const { changeId } = await stack.api.propose(
      await exampleChange('1.1.0-seasonal-bonus.json', {
        version: '1.0.1',
        code: undefined,
        baseVersion: undefined,
        config: { MAX_WEEKLY_BENEFIT: '1105', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25', WAGE_RECORDS_LATENCY_MS: '600' },
      }),
    );
    await approveByBob(stack, changeId);
    const done = waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed'], 150_000);
    const seen = await trafficUntil(stack.api, done);
    const change = await done;

    expect(change.status).toBe('rolled_back');
    expect(change.reason).toMatch(/alarm cmv-benefit-calculator-p99-latency|ALARM_ACTIVE/);
    expect(change.deployment?.alarmNames).toContain('cmv-benefit-calculator-p99-latency');
    const d = change.deployment;
    expect(seen[d?.toFunctionVersion ?? '']?.requests).toBeGreaterThan(0);
    expect(seen[d?.toFunctionVersion ?? '']?.errors).toBe(0);
    const [rolledBack] = (await stack.api.audit({ changeId, type: 'ChangeRolledBack' }, 'erin')).items;
    expect(JSON.stringify(rolledBack.details)).toContain('p99-latency');
    expect((await stack.api.target(TARGET)).alias.routingPercent).toEqual({ [before.liveFunctionVersion]: 100 });
  });
});
