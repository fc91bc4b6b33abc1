import { reconcile } from '../../lambdas/core/use-cases/reconcile';
import { approvalLink, exampleChange, type Stack, startStack, waitForStatus } from '../integration/local-stack';

/**
 * Every committed approval decision reaches the workflow, and no link is spent without its vote —
 * on the local stack, with the failure injected where AWS could fail (Step Functions after the
 * vote's commit; the vote's commit itself).
 */
jest.setTimeout(180_000);

describe('approval decisions (local stack)', () => {
  let stack: Stack;
  let n = 0;
  beforeAll(async () => {
    stack = await startStack({ speed: 60 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const awaitingApproval = async (): Promise<string> => {
    n++;
    const body = await exampleChange('1.1.0-seasonal-bonus.json', {
      version: `1.7.${n}`,
      baseVersion: '1.0.0',
      code: undefined,
      canary: { steps: [100], bakeSeconds: 0 },
      config: { MAX_WEEKLY_BENEFIT: String(1700 + n), MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
    });
    const { changeId } = await stack.api.propose(body);
    await waitForStatus(stack.api, changeId, ['awaiting_approval']);
    return changeId;
  };

  /** Replaces a port's method in the services of the handler module `entry` for as long as `fn` runs, restoring it after. */
  const replaced = async <K extends 'workflow' | 'store'>(
    entry: string,
    port: K,
    method: string,
    impl: (...args: unknown[]) => unknown,
    fn: () => Promise<void>,
  ) => {
    const svc = stack.runtime.servicesOf(entry) as unknown as Record<K, Record<string, unknown>>;
    const original = svc[port];
    svc[port] = Object.assign(Object.create(original), { [method]: impl });
    try {
      await fn();
    } finally {
      svc[port] = original;
    }
  };

  it('answers the vote 200 when SendTaskSuccess fails after it committed, and the reconciler resumes the workflow', async () => {
    // Arrange
    const changeId = await awaitingApproval();
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

    // Act: the approving vote, with Step Functions refusing every SendTaskSuccess meanwhile.
    await replaced(
      'lambdas/handlers/api/decide-approval.ts',
      'workflow',
      'resume',
      async () => {
        throw throttled;
      },
      async () => {
        const voted = await stack.api.decide(changeId, 'approve', 'ok', 'bob');
        expect(voted.approvedAt).toBeDefined();
      },
    );
    const stuck = await stack.api.change(changeId);
    await reconcile(stack.runtime.services);

    // Assert: out of step until the reconciler delivered the recorded outcome — this call or the
    // runtime's own sweep, which runs every few seconds and may come first; then it deploys.
    expect(stuck.status).toBe('awaiting_approval');
    expect((await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed'])).status).toBe('deployed');
  });

  it('keeps the link usable when the vote could not be recorded: the link is spent only with its vote', async () => {
    // Arrange
    const changeId = await awaitingApproval();
    const link = await approvalLink(stack, changeId, 'bob@example.org');
    const post = () => fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve&comment=ok' });
    const store = stack.runtime.services.store;

    // Act: the vote's transaction fails once (as a crash or a lost connection would), then the approver tries again.
    let first = 0;
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    await replaced(
      'lambdas/handlers/api/approval-page.ts',
      'store',
      'commit',
      async () => {
        throw new Error('connection reset');
      },
      async () => {
        first = (await post()).status;
      },
    );
    logged.mockRestore();
    const second = await post();

    // Assert
    expect(first).toBe(500);
    expect(second.status).toBe(200);
    expect((await store.getChange(changeId))?.approvals.map((v) => v.approver)).toEqual(['bob']);
    expect((await post()).status).toBe(409);
  });
});
