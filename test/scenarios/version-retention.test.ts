import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAliasCommand } from '@aws-sdk/client-lambda';
import type { LedgerEntry } from '../../lambdas/core/ledger';
import { retireVersions } from '../../lambdas/core/use-cases/retire-versions';
import { EXAMPLE, exampleChange, type Stack, startStack, TARGET, waitForChange, waitForStatus } from '../integration/local-stack';

const CLAIM = {
  claimId: 'C-9',
  baseQuarters: [
    { quarter: '2025Q3', wages: 9100, seasonalBonus: 0 },
    { quarter: '2025Q4', wages: 10400, seasonalBonus: 0 },
    { quarter: '2026Q1', wages: 8800, seasonalBonus: 0 },
    { quarter: '2026Q2', wages: 9900, seasonalBonus: 0 },
  ],
  dependants: 0,
};

/**
 * Version retention on the local stack: the example service registered in `staging` (changes are
 * pre-approved there) with `retention.keepVersions` 2 (and `keepDays` the default 90), and a second
 * alias `preview` on its first version. Four config-only changes: 1.1.0, 1.2.0 deployed, 1.3.0
 * aborted mid-canary, 1.4.0 deployed. The workflow retires versions after each promotion
 * (RetireVersions): none, as all were published today; the direct calls here find what it left,
 * and retire with a clock 91 days ahead what the count alone would have.
 */
jest.setTimeout(180_000);

describe('retireVersions() (local stack)', () => {
  let stack: Stack;
  let dir: string;
  /** Semantic version → Lambda version, as published. */
  const published: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-retention-'));
    const target = JSON.parse(await readFile(join(EXAMPLE, 'target.json'), 'utf8'));
    const file = join(dir, 'target.json');
    await writeFile(
      file,
      JSON.stringify({ ...target, source: join(EXAMPLE, target.source), environment: 'staging', retention: { keepVersions: 2 }, traffic: undefined }),
    );
    stack = await startStack({ speed: 60, targets: [file] });
    published['1.0.0'] = (await stack.runtime.services.store.getTarget(TARGET))?.liveFunctionVersion ?? '';
    await stack.runtime.lambda.send(new CreateAliasCommand({ FunctionName: TARGET, Name: 'preview', FunctionVersion: published['1.0.0'] }));
  });
  afterAll(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Proposes a config-only change (MAX_WEEKLY_BENEFIT = `max`); resolves once it deploys at 50 %. */
  const deployingAt50 = async (version: string, max: number, bakeSeconds: number): Promise<string> => {
    const body = await exampleChange('1.1.0-seasonal-bonus.json', {
      version,
      baseVersion: undefined,
      code: undefined,
      riskLevel: 'low',
      canary: { steps: [50, 100], bakeSeconds },
      config: { MAX_WEEKLY_BENEFIT: String(max), MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
    });
    const { changeId } = await stack.api.propose(body);
    await waitForChange(
      stack.api,
      changeId,
      (c) => {
        if (['deployed', 'rolled_back', 'failed', 'tests_failed'].includes(c.status)) throw new Error(`change ${version} is ${c.status}`);
        return c.deployment?.currentWeight === 50;
      },
      30_000,
    );
    published[version] = (await stack.api.change(changeId)).deployment?.toFunctionVersion ?? '';
    return changeId;
  };
  const deploy = async (version: string, max: number) => {
    const changeId = await deployingAt50(version, max, 60);
    expect((await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed'])).status).toBe('deployed');
    // The workflow retires versions after promoting: let it finish, so that the direct calls below do not race it.
    for (const deadline = Date.now() + 10_000; stack.runtime.sfn.execution(changeId)?.status !== 'SUCCEEDED'; ) {
      if (Date.now() > deadline) throw new Error(`the workflow of ${version} did not succeed`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  /** CMV's services with the clock `days` days ahead. */
  const daysLater = (days: number) => ({ ...stack.runtime.services, now: () => new Date(Date.now() + days * 86_400_000) });
  const retirements = async (): Promise<LedgerEntry[]> => (await stack.api.audit({ target: TARGET, type: 'VersionsRetired' }, 'erin')).items;

  it('retires nothing while a change is deploying to the target', async () => {
    // Arrange: 1.0.0 (preview alias), 1.1.0, 1.2.0 live, 1.3.0 at 50 %: 1.0.0 is beyond keepVersions.
    await deploy('1.1.0', 1110);
    await deploy('1.2.0', 1120);
    const changeId = await deployingAt50('1.3.0', 1130, 600);
    const deleteVersion = jest.spyOn(stack.runtime.services.functions, 'deleteVersion');

    // Act
    const retired = await retireVersions(stack.runtime.services, TARGET);

    // Assert
    expect(retired).toEqual([]);
    expect(deleteVersion).not.toHaveBeenCalled();
    deleteVersion.mockRestore();
    expect((await stack.api.control(changeId, 'abort', 'retention test', 'dana')).status).toBe('rolled_back');
  });

  it('keeps every version published or live within keepDays, beyond keepVersions', async () => {
    // Arrange: 1.4.0 live; 1.3.0 (rolled back) and 1.4.0 are the 2 newest; 1.1.0 was live until 1.2.0 deployed, today.
    await deploy('1.4.0', 1140);
    const v = published;

    // Act
    const retired = await retireVersions(stack.runtime.services, TARGET);

    // Assert: neither the workflow after each promotion nor this call retired anything.
    expect(retired).toEqual([]);
    expect(await stack.runtime.services.functions.listVersions(TARGET)).toEqual(['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0'].map((s) => v[s]));
    expect(await retirements()).toEqual([]);
  });

  it('retires versions beyond keepVersions and last live keepDays ago except the live, the last good and alias-routed ones, in one ledger entry', async () => {
    // Arrange: 91 days later; 1.2.0 is the last good (1.3.0 never deployed).
    const v = published;

    // Act
    const retired = await retireVersions(daysLater(91), TARGET);

    // Assert
    expect(retired).toEqual([v['1.1.0']]);
    expect(await stack.runtime.services.functions.listVersions(TARGET)).toEqual([v['1.0.0'], v['1.2.0'], v['1.3.0'], v['1.4.0']]);
    const records = await stack.runtime.services.store.listVersions(TARGET);
    expect(records.filter((r) => r.retiredAt).map((r) => r.version)).toEqual(['1.1.0']);
    const entries = await retirements();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: 'cmv-workflow',
      details: {
        retired: [{ functionVersion: v['1.1.0'], versions: ['1.1.0'] }],
        kept: ['1.0.0', '1.2.0', '1.3.0', '1.4.0'].map((s) => ({ functionVersion: v[s], versions: [s] })),
        keepVersions: 2,
        keepDays: 90,
        live: { version: '1.4.0', functionVersion: v['1.4.0'] },
        lastGood: { version: '1.2.0', functionVersion: v['1.2.0'] },
      },
    });
    expect(await stack.api.verify('erin')).toMatchObject({ valid: true });
  });

  it('rejects activating a retired version with 409, and activates the last good one at once', async () => {
    await expect(stack.api.activate(TARGET, '1.1.0', 'back to 1.1.0', 'dana')).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/version 1\.1\.0 of benefit-calculator was retired/),
    });

    await stack.api.activate(TARGET, '1.2.0', 'back to the last good', 'dana');
    expect(await stack.api.invoke(TARGET, CLAIM)).toMatchObject({ executedVersion: published['1.2.0'], payload: { maximumWeeklyBenefit: 1120 } });
    await stack.api.activate(TARGET, '1.4.0', 'forward again', 'dana');
  });

  it('writes no ledger entry when there is nothing to retire', async () => {
    const retired = await retireVersions(stack.runtime.services, TARGET);

    expect(retired).toEqual([]);
    expect(await retirements()).toHaveLength(1);
  });
});
