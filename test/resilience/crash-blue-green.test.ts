import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChangePilot, configChange } from './crash-drivers';
import { duplicates, killAll, ledgerOf, type Rig, runChain, startRig, summary, TARGET } from './crash-rig';

/**
 * Blue-green's side effects outside DynamoDB, each killed (SIGKILL) between its record and the
 * effect around it, and started again on the same data: the warm-up's request (recorded before
 * PutProvisionedConcurrencyConfig, then the Put itself), its READY record, and the release of the
 * old version's provisioned concurrency (after the deployed record, and after the Delete before its
 * record). Each change still deploys once, every version ends warm or released as its record says,
 * and no entry is written twice.
 */
jest.setTimeout(900_000);

/** The example target's function state on the local Lambda (its provisioned concurrency by version). */
async function provisionedOf(rig: Rig): Promise<Record<string, { requested: number; status: string }>> {
  const saved = JSON.parse(await readFile(join(rig.dataDir, 'lambda', `${TARGET}.json`), 'utf8'));
  return saved.provisioned ?? {};
}

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await killAll();
  await rig?.dispose();
});

/** Runs one blue-green change (config only) along `points` and returns its ledger types and the deployed change's versions. */
async function chain(version: string, cap: number, points: readonly string[]) {
  const request = { ...(await configChange(version, cap, { steps: [100], bakeSeconds: 60 })), strategy: 'blue-green' };
  const pilot = new ChangePilot(rig, request);
  const { last, api, runs } = await runChain(rig, points, pilot);
  try {
    const changeId = pilot.changeId as string;
    const change = await api.change(changeId);
    // The release follows the deployed record at once (or the sweep at the last start): wait for its entry.
    let entries = await ledgerOf(api, changeId);
    for (let i = 0; i < 200 && !entries.some((e) => e.type === 'ProvisionedConcurrencyReleased'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      entries = await ledgerOf(api, changeId);
    }
    console.log(summary(runs));
    return { change, entries, target: await api.target(TARGET), verified: await api.verify('erin') };
  } finally {
    await last.kill();
  }
}

describe('crash at each side effect of a blue-green change', () => {
  it('warms once, switches once, and releases the old version once, whatever point the runtime dies at', async () => {
    // Arrange / Act: the first change dies around its warm-up; the second after its release's Delete;
    // the third right after its deployed record (the release not done yet).
    const first = await chain('1.1.0', 1110, [
      'commit:ProvisionedConcurrencyRequested',
      'aws:PutProvisionedConcurrencyConfig',
      'commit:ProvisionedConcurrencyReady',
    ]);
    const warmAfterFirst = await provisionedOf(rig);
    const second = await chain('1.1.1', 1111, ['aws:DeleteProvisionedConcurrencyConfig']);
    const third = await chain('1.1.2', 1112, ['commit:ChangeDeployed']);
    const warmAtEnd = await provisionedOf(rig);

    // Assert
    for (const run of [first, second, third]) {
      expect(run.change.status).toBe('deployed');
      expect(duplicates(run.entries)).toEqual([]);
      const types = run.entries.map((e) => e.type);
      expect(types.filter((t) => t === 'ProvisionedConcurrencyRequested')).toHaveLength(1);
      expect(types.filter((t) => t === 'ProvisionedConcurrencyReady')).toHaveLength(1);
      expect(run.entries.filter((e) => e.type === 'TrafficShifted').map((e) => e.details.weight)).toEqual([100]);
      expect(run.verified).toMatchObject({ valid: true });
    }
    const green = (run: typeof first) => run.change.deployment?.toFunctionVersion as string;
    // The first change's version was warmed once (a Put a retry found made is not made again) and is READY.
    expect(warmAfterFirst[green(first)]).toMatchObject({ requested: 2, status: 'READY' });
    // Each later change released the version it replaced, once: recorded after the Delete (found gone on
    // the retry when the crash came between), or done after the deployed record by the restart.
    const released = (run: typeof first) => run.entries.filter((e) => e.type === 'ProvisionedConcurrencyReleased').map((e) => e.details.functionVersion);
    expect(released(second)).toEqual([green(first)]);
    expect(released(third)).toEqual([green(second)]);
    expect(Object.keys(warmAtEnd)).toEqual([green(third)]);
    expect(third.target.alias.routingPercent).toEqual({ [green(third)]: 100 });
    expect(third.target).not.toHaveProperty('warmRelease');
  });
});
