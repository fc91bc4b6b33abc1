import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../lib/client/api-client';
import { EXAMPLE, exampleChange, ONE_APPROVER_DEFERRED_TESTS_POLICY, type Stack, startStack } from '../integration/local-stack';

/**
 * Many writers at once across targets (issue 11: 50 concurrent proposals used to give 33 × 500 and
 * 7 failed changes, all of them losing the one global ledger head). Each target has its own chain
 * now, so writers of different targets never contend. The policy defers the tests (no test build
 * per change: the point is the ledger, not CodeBuild), so each change writes ChangeProposed,
 * TestsStarted, TestsDeferred and ApprovalRequested and then waits for approval.
 */
jest.setTimeout(600_000);

/**
 * Targets of the stack: 8, because one stack of CMV holds 8 at most (CloudFormation's 500 resources
 * per stack, which the local synth enforces: README, "How many targets a stack holds").
 */
const TARGETS = 8;
const POLICY = ONE_APPROVER_DEFERRED_TESTS_POLICY;

describe('concurrent proposals across targets (local stack)', () => {
  let stack: Stack;
  let dir: string;
  const names = Array.from({ length: TARGETS }, (_, i) => `svc-${i}`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-contention-'));
    const example = JSON.parse(await readFile(join(EXAMPLE, 'target.json'), 'utf8'));
    const files = await Promise.all(
      names.map(async (name) => {
        // One folder per target file: the stack names a target's constructs after its folder.
        await mkdir(join(dir, name));
        const file = join(dir, name, 'target.json');
        await writeFile(file, JSON.stringify({ ...example, name, functionName: name, source: join(EXAMPLE, 'service') }));
        return file;
      }),
    );
    const policyFile = join(dir, 'policy.json');
    await writeFile(policyFile, JSON.stringify(POLICY));
    stack = await startStack({ speed: 60, targets: files, policyFile });
  }, 300_000);
  afterAll(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Proposes `count` config-only changes at once, spread over the targets (versions 2.<round>.<i>), and answers each status. */
  const proposeAll = async (count: number, round: number) => {
    const body = await exampleChange('1.1.0-seasonal-bonus.json', { code: undefined, baseVersion: '1.0.0' });
    return Promise.all(
      Array.from({ length: count }, (_, i) =>
        stack.api
          .propose({
            ...body,
            target: names[i % TARGETS],
            version: `2.${round}.${i}`,
            config: { MAX_WEEKLY_BENEFIT: String(2000 + i), MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
          })
          .then(
            (c) => ({ status: 201, changeId: c.changeId }),
            (err: unknown) => ({ status: err instanceof ApiError ? err.status : 0, changeId: '', message: (err as Error).message }),
          ),
      ),
    );
  };

  /** Waits until none of the changes is still on its way to approval; answers their statuses. */
  const settled = async (ids: readonly string[], timeoutMs = 300_000): Promise<string[]> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const changes = await Promise.all(ids.map((id) => stack.api.change(id)));
      const statuses = changes.map((c) => c.status);
      // A change that did not reach approval is shown with its reason, so a failure says why.
      if (statuses.every((s) => !['submitted', 'testing'].includes(s))) return changes.map((c) => (c.status === 'failed' ? `failed: ${c.reason}` : c.status));
      if (Date.now() > deadline)
        throw new Error(`still on their way after ${timeoutMs} ms: ${statuses.filter((s) => ['submitted', 'testing'].includes(s)).length}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  it.each([
    [50, 1],
    [200, 2],
  ])('accepts %i concurrent proposals across 8 targets without an error, every change reaches approval, and every chain verifies', async (count, round) => {
    // Act
    const answers = await proposeAll(count, round);
    const statuses = await settled(answers.map((a) => a.changeId).filter(Boolean));

    // Assert
    expect(answers.filter((a) => a.status !== 201)).toEqual([]);
    expect(statuses.filter((s) => s !== 'awaiting_approval')).toEqual([]);
    const verification = await stack.api.verify('erin');
    expect(verification).toMatchObject({ valid: true });
    expect(verification.heads?.filter((h) => h.chain.startsWith('target:svc-'))).toHaveLength(TARGETS);
  });
});
