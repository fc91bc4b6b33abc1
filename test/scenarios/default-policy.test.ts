import { exampleChange, type Stack, startStack, waitForStatus } from '../integration/local-stack';

/** CMV's built-in default policy through the API and the workflow: a production change needs two approvers. */
jest.setTimeout(180_000);

describe('the default policy (local stack)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ speed: 60, policyFile: 'built-in' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('keeps a medium-risk production change awaiting approval after one vote, and approves it on the second', async () => {
    const { changeId } = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json'));
    const awaiting = await waitForStatus(stack.api, changeId, ['awaiting_approval', 'tests_failed', 'failed']);
    expect(awaiting.plan.approvals.groups).toMatchObject([{ name: 'Peer review', required: 2, eligible: ['bob', 'carol'] }]);

    const afterOne = await stack.api.decide(changeId, 'approve', 'looks right', 'bob');
    const afterTwo = await stack.api.decide(changeId, 'approve', 'agreed', 'carol');

    expect(afterOne).toMatchObject({ status: 'awaiting_approval' });
    expect(afterOne.approvedAt).toBeUndefined();
    expect(afterTwo.approvedAt).toEqual(expect.any(String));
    expect((await stack.api.audit({ changeId, type: 'ChangeApproved' }, 'erin')).items).toHaveLength(1);
  });
});
