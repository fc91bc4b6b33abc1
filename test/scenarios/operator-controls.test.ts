import type { Change } from '../../lambdas/core/change';
import { approvalLink, exampleChange, type Stack, startStack, TARGET, waitForChange, waitForStatus } from '../integration/local-stack';

/**
 * Operator controls mid-canary, on the local stack: pause holds the weight, resume goes on, promote
 * skips the remaining steps, abort rolls back at once; each needs release_admin and is ledgered.
 * Bakes of 120 s last 2 s at speed 60.
 */
jest.setTimeout(180_000);

describe('operator controls (local stack)', () => {
  let stack: Stack;
  let version = 0;
  beforeAll(async () => {
    stack = await startStack({ speed: 60 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Proposes 1.1.x with a slow canary and approves it; resolves once the canary is at 10 %. */
  const deployingAt10 = async (): Promise<string> => {
    version++;
    const body = await exampleChange('1.1.0-seasonal-bonus.json', {
      version: `1.1.${version}`,
      baseVersion: '1.0.0',
      canary: { steps: [10, 50, 100], bakeSeconds: 120 },
      config: { MAX_WEEKLY_BENEFIT: String(1105 + version), MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
    });
    const { changeId } = await stack.api.propose(body);
    await waitForStatus(stack.api, changeId, ['awaiting_approval']);
    const link = await approvalLink(stack, changeId, 'bob@example.org');
    await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve&comment=ok' });
    await waitFor(changeId, (c) => c.deployment?.currentWeight === 10);
    return changeId;
  };

  const waitFor = (changeId: string, ok: (c: Change) => boolean): Promise<Change> => waitForChange(stack.api, changeId, ok);

  const ledgerTypes = async (changeId: string) => (await stack.api.audit({ changeId }, 'erin')).items.map((e) => `${e.type}:${e.actor}`);

  it('pauses a canary at its weight past the bake time, then resumes it to the end', async () => {
    const changeId = await deployingAt10();

    const paused = await stack.api.control(changeId, 'pause', 'watching a dashboard', 'dana');
    expect(paused.deployment?.paused).toMatchObject({ by: 'dana', reason: 'watching a dashboard' });
    // The workflow took the pause (its bake woken at once) and waits for a resume, rather than moving on.
    const entered = () => (stack.runtime.sfn.execution(changeId)?.history ?? []).filter((e) => e.type === 'StateEntered').map((e) => e.state);
    await waitFor(changeId, () => entered().includes('AwaitResume'));
    const held = await stack.api.change(changeId);
    expect({ status: held.status, weight: held.deployment?.currentWeight }).toEqual({ status: 'deploying', weight: 10 });
    expect(stack.runtime.sfn.execution(changeId)?.status).toBe('RUNNING');

    expect(entered().slice(entered().lastIndexOf('AwaitResume'))).toEqual(['AwaitResume']);

    await stack.api.control(changeId, 'resume', '', 'dana');
    const done = await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed']);

    expect(done.status).toBe('deployed');
    expect(done.deployment?.history.map((h) => h.weight)).toEqual([10, 50, 100]);
    expect(await ledgerTypes(changeId)).toEqual(expect.arrayContaining(['DeploymentPaused:dana', 'DeploymentResumed:dana']));
  });

  it('promotes a canary at 10 % straight to 100 %, skipping 50 %', async () => {
    const changeId = await deployingAt10();

    await stack.api.control(changeId, 'promote', 'hotfix verified', 'dana');
    const done = await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed']);

    expect(done.status).toBe('deployed');
    expect(done.deployment?.history.map((h) => [h.weight, h.decision])).toEqual([
      [10, 'continue'],
      [100, 'promote'],
    ]);
    expect(done.deployment?.history[0].reason).toBe('promoted by dana at 10%: remaining steps skipped');
    expect(await ledgerTypes(changeId)).toContain('PromotionRequested:dana');
  });

  it('refuses a pause after promote with 409 (it could not take effect), and the canary goes to 100 % unpaused', async () => {
    const changeId = await deployingAt10();
    await stack.api.control(changeId, 'promote', 'statutory deadline', 'dana');

    // Refused whichever the workflow reached meanwhile: promotion requested, being promoted, or deployed.
    await expect(stack.api.control(changeId, 'pause', 'too late', 'dana')).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/promotion of change .* was requested|being promoted|deployed, not deploying/),
    });
    const done = await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed']);

    expect({ status: done.status, paused: done.deployment?.paused ?? null }).toEqual({ status: 'deployed', paused: null });
    expect(await ledgerTypes(changeId)).not.toContain('DeploymentPaused:dana');
  });

  it('aborts a canary: the alias is back on the live version when the call returns', async () => {
    const before = await stack.api.target(TARGET);
    const changeId = await deployingAt10();

    const aborted = await stack.api.control(changeId, 'abort', 'wrong config', 'dana');

    expect(aborted.status).toBe('rolled_back');
    expect(aborted.reason).toBe('aborted by dana: wrong config');
    const target = await stack.api.target(TARGET);
    expect(target.alias.routingPercent).toEqual({ [before.liveFunctionVersion]: 100 });
    expect(target.liveVersion).toBe(before.liveVersion);
    await waitFor(changeId, () => stack.runtime.sfn.execution(changeId)?.status === 'FAILED');
    expect(await ledgerTypes(changeId)).toContain('ChangeRolledBack:dana');
  });

  it('aborts a paused canary and ends its workflow', async () => {
    const changeId = await deployingAt10();
    await stack.api.control(changeId, 'pause', '', 'dana');
    await waitFor(changeId, () => true);

    const aborted = await stack.api.control(changeId, 'abort', '', 'dana');

    expect(aborted.status).toBe('rolled_back');
    await waitFor(changeId, () => stack.runtime.sfn.execution(changeId)?.status === 'FAILED');
  });

  it('refuses controls without release_admin (403), on a change not deploying (409) and twice paused (409), writing nothing', async () => {
    const changeId = await deployingAt10();
    const controls = async () =>
      (await ledgerTypes(changeId)).filter((t) => /^(DeploymentPaused|DeploymentResumed|PromotionRequested|ChangeRolledBack)/.test(t));

    await expect(stack.api.control(changeId, 'pause', '', 'bob')).rejects.toMatchObject({ status: 403 });
    await expect(stack.api.control(changeId, 'resume', '', 'dana')).rejects.toMatchObject({ status: 409, message: expect.stringContaining('not paused') });
    expect(await controls()).toEqual([]);
    expect((await stack.api.change(changeId)).deployment?.paused).toBeUndefined();

    await stack.api.control(changeId, 'pause', '', 'dana');
    await expect(stack.api.control(changeId, 'pause', '', 'dana')).rejects.toMatchObject({ status: 409, message: expect.stringContaining('already paused') });
    await stack.api.control(changeId, 'abort', '', 'dana');
    await expect(stack.api.control(changeId, 'promote', '', 'dana')).rejects.toMatchObject({
      status: 409,
      message: expect.stringContaining('rolled_back, not deploying'),
    });
  });
});
