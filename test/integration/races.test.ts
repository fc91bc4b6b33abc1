import type { LedgerEntry } from '../../lambdas/core/ledger';
import { ApiError } from '../../lib/client/api-client';
import { approveByBob, exampleChange, type Stack, startStack, TARGET, waitForStatus } from './local-stack';

/**
 * Races on every path that moves an alias, on the local stack over real HTTP: many concurrent
 * callers, then the record (the target's live version and route), the alias (GetAlias, as
 * GET /targets/{t} shows it) and the ledger (the last entry that moved the alias) must agree.
 */
jest.setTimeout(180_000);

const CALLERS = 50;

describe('concurrent callers (local stack)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ speed: 60 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Deploys a config-only 1.1.x straight to 100 % and returns its change id. */
  const deploy = async (version: string, maxWeekly: string): Promise<string> => {
    const body = await exampleChange('1.1.0-seasonal-bonus.json', {
      version,
      baseVersion: '1.0.0',
      code: undefined,
      canary: { steps: [100], bakeSeconds: 0 },
      config: { MAX_WEEKLY_BENEFIT: maxWeekly, MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
    });
    const { changeId } = await stack.api.propose(body);
    await approveByBob(stack, changeId);
    expect((await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed'])).status).toBe('deployed');
    return changeId;
  };

  /** The target's record, its alias as Lambda reports it, and the newest ledger entry of `type` for it. */
  const observed = async () => {
    const target = await stack.api.target(TARGET);
    const { items } = await stack.api.audit({ target: TARGET, type: 'VersionActivated', limit: '1' }, 'erin');
    return { target, alias: target.alias, lastActivation: items[0] as LedgerEntry | undefined };
  };

  it('keeps the record, the alias and the ledger in agreement under 50 concurrent activations of three versions', async () => {
    // Arrange: 1.0.0 (registered), 1.1.1 and 1.1.2 (deployed) are all activatable.
    await deploy('1.1.1', '1106');
    await deploy('1.1.2', '1107');
    const versions = ['1.0.0', '1.1.1', '1.1.2'];

    for (let round = 0; round < 8; round++) {
      // Act
      const answers = await Promise.all(
        Array.from({ length: CALLERS }, (_, i) =>
          stack.api.activate(TARGET, versions[(i + round) % versions.length], `round ${round} caller ${i}`, 'dana').then(
            () => 200,
            (err: unknown) => (err instanceof ApiError ? err.status : 500),
          ),
        ),
      );

      // Assert: only 200 and 409; the alias serves what the record and its last ledger entry say.
      expect(answers.filter((s) => s !== 200 && s !== 409)).toEqual([]);
      const { target, alias, lastActivation } = await observed();
      expect({ version: alias.functionVersion, extra: alias.additionalVersion ?? null }).toEqual({ version: target.liveFunctionVersion, extra: null });
      expect(lastActivation?.details).toMatchObject({ version: target.liveVersion, functionVersion: target.liveFunctionVersion });
    }
    expect(await stack.api.verify()).toMatchObject({ valid: true });
  });
});
