import { approvalLink, exampleChange, type Stack, startStack, TARGET, waitForStatus } from '../integration/local-stack';

/**
 * Emergency changes under the default policy: the emergency CAB decides, no window, tests deferred
 * until the new version serves 100 % (a failure rolls back), and a post-implementation review.
 */
jest.setTimeout(180_000);

describe('emergency changes (local stack, default policy)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ speed: 60 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const approve = async (changeId: string, who: string) => {
    const link = await approvalLink(stack, changeId, `${who}@example.org`);
    const res = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'decision=approve&comment=restore+service',
    });
    expect(res.status).toBe(200);
  };

  it('deploys without a window, runs the deferred tests at 100 %, then takes a post-implementation review once', async () => {
    const { changeId } = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json', { changeType: 'emergency', riskLevel: 'high' }));
    const waiting = await waitForStatus(stack.api, changeId, ['awaiting_approval']);
    expect(waiting.tests).toBeUndefined();
    expect(waiting.plan).toMatchObject({ policy: { ruleId: 'emergency' }, testsAfterDeploy: true, postImplementationReview: true, window: { bypass: true } });

    await approve(changeId, 'grace');
    const done = await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed']);

    expect(done.status).toBe('deployed');
    expect(done.deployment?.history.map((h) => h.weight)).toEqual([25, 100]);
    expect(done.tests?.suites?.map((s) => [s.suite, s.passed])).toEqual([
      ['unit', true],
      ['security', true],
    ]);
    const types = (await stack.api.audit({ changeId }, 'erin')).items.map((e) => e.type).reverse();
    expect(types.indexOf('TestsDeferred')).toBeLessThan(types.indexOf('ApprovalRequested'));
    expect(types.indexOf('DeferredTestsPassed')).toBeGreaterThan(types.indexOf('TrafficShifted'));
    expect(types.at(-1)).toBe('ChangeDeployed');

    const review = { outcome: 'successful', summary: 'Restored the court-ordered calculation within the hour.', followUps: ['add a contract test'] };
    await expect(stack.api.review(changeId, review, 'alice')).rejects.toMatchObject({ status: 403 });
    await expect(stack.api.review(changeId, review, 'dana')).resolves.toMatchObject({ review: { by: 'dana', outcome: 'successful' } });
    await expect(stack.api.review(changeId, review, 'bob')).rejects.toMatchObject({ status: 409 });
    expect((await stack.api.audit({ changeId, type: 'PostImplementationReviewRecorded' }, 'erin')).items).toHaveLength(1);
  });

  it('rolls back an emergency change whose deferred tests fail after the deployment', async () => {
    const { changeId } = await stack.api.propose(await exampleChange('1.3.0-round-to-cents.json', { changeType: 'emergency', riskLevel: 'high' }));
    await waitForStatus(stack.api, changeId, ['awaiting_approval']);

    await approve(changeId, 'bob');
    const done = await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed']);

    expect(done.status).toBe('rolled_back');
    expect(done.reason).toMatch(/tests failed \(build cmv-change-tests:/);
    expect((await stack.api.target(TARGET)).liveVersion).toBe('1.1.0');
    await expect(stack.api.activate(TARGET, '1.3.0', '', 'dana')).rejects.toMatchObject({ status: 409 });
  });

  it('refuses a review of a change the policy does not require one of', async () => {
    const { changeId } = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json', { version: '1.5.0', riskLevel: 'low', redeploy: true }));
    await expect(stack.api.review(changeId, { outcome: 'successful', summary: 'nothing to review here' }, 'dana')).rejects.toMatchObject({ status: 409 });
  });

  it('records one post-implementation review when 20 reviewers post at once', async () => {
    // Arrange: the rolled-back emergency change of the test below needs a review too; this one deploys.
    const { changeId } = await stack.api.propose(
      await exampleChange('1.1.0-seasonal-bonus.json', {
        version: '1.1.9',
        code: undefined,
        changeType: 'emergency',
        riskLevel: 'high',
        config: { MAX_WEEKLY_BENEFIT: '1119', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
      }),
    );
    await waitForStatus(stack.api, changeId, ['awaiting_approval']);
    await approve(changeId, 'grace');
    await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed']);

    // Act
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        stack.api.review(changeId, { outcome: 'successful', summary: `Restored service; review number ${i}.` }, i % 2 ? 'dana' : 'bob').then(
          () => 200,
          (err: { status?: number }) => err.status ?? 500,
        ),
      ),
    );

    // Assert
    expect(answers.filter((s) => s !== 200 && s !== 409)).toEqual([]);
    expect(answers.filter((s) => s === 200)).toHaveLength(1);
    expect(answers.filter((s) => s !== 200 && s !== 409)).toEqual([]);
    expect((await stack.api.audit({ changeId, type: 'PostImplementationReviewRecorded' }, 'erin')).items).toHaveLength(1);
  });
});
