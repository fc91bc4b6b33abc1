import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { approveByBob, EXAMPLE, exampleChange, type Stack, startStack, TARGET, waitForStatus } from '../integration/local-stack';

/**
 * Smoke tests on the local stack: the target's smoke tests run on the new version before any
 * traffic reaches it, and through the alias at 100 %; a failure rolls back.
 */
jest.setTimeout(180_000);

describe('smoke tests (local stack)', () => {
  let stack: Stack;
  beforeAll(async () => {
    // The example target, whose smoke test expects the maximum weekly benefit of $1,105.
    const dir = await mkdtemp(join(tmpdir(), 'cmv-smoke-'));
    const target = JSON.parse(await readFile(join(EXAMPLE, 'target.json'), 'utf8'));
    const claim = JSON.parse(await readFile(join(EXAMPLE, 'traffic', 'one-claim.json'), 'utf8'));
    const smokeTests = [{ name: 'maximum benefit', payload: claim, expect: { maximumWeeklyBenefit: 1105 } }];
    await writeFile(join(dir, 'target.json'), JSON.stringify({ ...target, source: join(EXAMPLE, 'service'), smokeTests }));
    stack = await startStack({ speed: 60, targets: [join(dir, 'target.json')] });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const approve = (changeId: string) => approveByBob(stack, changeId);

  it('rolls back a change whose new version fails a smoke test before any traffic reaches it', async () => {
    const before = await stack.api.target(TARGET);
    const body = await exampleChange('1.1.0-seasonal-bonus.json', {
      config: { MAX_WEEKLY_BENEFIT: '500', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
    });
    const { changeId } = await stack.api.propose(body);
    await approve(changeId);

    const change = await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed']);

    expect(change.status).toBe('rolled_back');
    expect(change.reason).toMatch(/smoke tests failed before-traffic: maximum benefit \(result .* does not contain \{"maximumWeeklyBenefit":1105\}\)/);
    expect(change.deployment?.history).toEqual([]);
    expect(change.deployment?.smokeTests).toEqual([
      expect.objectContaining({
        phase: 'before-traffic',
        passed: false,
        results: [expect.objectContaining({ executedVersion: change.deployment?.toFunctionVersion })],
      }),
    ]);
    expect((await stack.api.target(TARGET)).alias.routingPercent).toEqual({ [before.liveFunctionVersion]: 100 });
    expect((await stack.api.audit({ changeId, type: 'SmokeTestsFailed' }, 'erin')).items).toHaveLength(1);
  });

  it('deploys a change that passes its smoke tests before traffic and at 100 %', async () => {
    const { changeId } = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json', { version: '1.1.1' }));
    await approve(changeId);

    const change = await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed']);

    expect(change.status).toBe('deployed');
    expect(change.deployment?.smokeTests?.map((r) => [r.phase, r.passed])).toEqual([
      ['before-traffic', true],
      ['after-traffic', true],
    ]);
    expect((await stack.api.audit({ changeId, type: 'SmokeTestsPassed' }, 'erin')).items).toHaveLength(2);
  });
});
