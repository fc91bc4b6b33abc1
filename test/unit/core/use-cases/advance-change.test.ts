import { sha256Base64 } from '../../../../lambdas/core/artifact';
import type { Change } from '../../../../lambdas/core/change';
import { ConflictError, ForbiddenError, ValidationError } from '../../../../lambdas/core/errors';
import { ChangePolicy } from '../../../../lambdas/core/policy/change-policy';
import { AdvanceChangeRequest, advanceChange } from '../../../../lambdas/core/use-cases/advance-change';
import { FakeBundleSigner, fakeServices, MemoryArtifacts, MemoryChangeStore, signedVersion } from '../../../fixtures/fakes';
import { aChange, aDeployment, aTarget, aVersion, caller, sourceZip, TARGET, user } from '../../../fixtures/records';

const STAGING = 'benefit-calculator-staging';
const alice = caller('alice', 'requester');
const USERS = [user('alice', 'requester'), user('bob', 'approver')];
/** Deployed in staging at 10:00; production needs 24 h of it there. */
const DEPLOYED_AT = '2026-03-01T10:00:00.000Z';
const POLICY = ChangePolicy.parse({
  name: 'promotion test',
  timeZone: 'UTC',
  rules: [{ id: 'all', match: {}, approvals: [{ name: 'Peer', roles: ['approver'], quorum: { count: 1 } }], tests: ['unit'], approvalTimeoutHours: 24 }],
  promotion: { order: ['development', 'staging', 'production'], requireHealthyHours: { production: 24 } },
});
const SOURCE_VERSION = aVersion('1.1.0', 2, { target: STAGING, changeId: 'chg-1', functionVersion: '2' });
const PROD_LIVE = aVersion('1.0.0', 1, { functionVersion: '1', config: { RATE: '1', STAGE: 'production' } });

/** chg-1 deployed 1.1.0 (the code of sourceZip(2)) on the staging target, which promotes to the production target live on 1.0.0. */
function arrange(over: { change?: Partial<Change>; staging?: Parameters<typeof aTarget>[0]; now?: string } = {}) {
  const source = aChange({
    target: STAGING,
    status: 'deployed',
    revision: 9,
    artifact: SOURCE_VERSION.artifact,
    tests: {
      passed: true,
      buildId: 'build-7',
      buildStatus: 'SUCCEEDED',
      at: '2026-03-01T09:10:00.000Z',
      suites: [{ suite: 'unit', command: 'npm test', passed: true, durationMs: 5, output: '' }],
    },
    deployment: aDeployment({ outcome: 'deployed', endedAt: DEPLOYED_AT, alarmNames: [`cmv-${STAGING}-error-rate`] }),
    ...over.change,
  });
  const artifacts = new MemoryArtifacts();
  const bundleSigner = new FakeBundleSigner();
  const signed = signedVersion(SOURCE_VERSION, sourceZip(2), artifacts, bundleSigner);
  const store = new MemoryChangeStore().seed({
    targets: [
      aTarget(),
      aTarget({
        name: STAGING,
        functionName: STAGING,
        environment: 'staging',
        promotesTo: TARGET,
        liveVersion: '1.1.0',
        liveFunctionVersion: '2',
        ...over.staging,
      }),
    ],
    versions: [PROD_LIVE, signed],
    changes: [source],
  });
  const fakes = fakeServices({ users: USERS, fakes: { store, artifacts }, overrides: { policy: async () => POLICY, bundleSigner } });
  fakes.clock.set(over.now ?? '2026-03-02T11:00:00.000Z');
  return fakes;
}

const toProduction = (over: Record<string, unknown> = {}) => AdvanceChangeRequest.parse({ environment: 'production', ...over });

describe('advanceChange()', () => {
  it('refuses with 409 and a BundleVerificationFailed entry when one byte of the signed bundle changed, writing no link and no change', async () => {
    // Arrange: the source's stored code no longer matches its signed manifest (one byte flipped, SHA-256 re-recorded to match).
    const { svc, store, artifacts } = arrange();
    const tampered = Uint8Array.from(sourceZip(2));
    tampered[tampered.length - 30] ^= 1;
    artifacts.objects.set(SOURCE_VERSION.artifact.uri, tampered);
    store.changes.set('chg-1', { ...(store.changes.get('chg-1') as Change), artifact: { ...SOURCE_VERSION.artifact, sha256: sha256Base64(tampered) } });

    // Act
    const advance = advanceChange(svc, alice, 'chg-1', toProduction());

    // Assert
    await expect(advance).rejects.toThrow(ConflictError);
    expect(store.entries.map((e) => e.type)).toEqual(['BundleVerificationFailed']);
    expect(store.entries[0].details).toMatchObject({ checkpoint: 'promote' });
    expect(store.changes.get('chg-1')?.promotedTo).toBeUndefined();
    expect(store.changes.size).toBe(1);
  });

  it('creates a change to the production target with the same artifact bytes, linked both ways, and starts its workflow', async () => {
    // Arrange
    const { svc, store, artifacts, workflow } = arrange();

    // Act
    const created = await advanceChange(svc, alice, 'chg-1', toProduction({ reason: 'a day in staging' }));

    // Assert
    const sha256 = sha256Base64(sourceZip(2));
    const stored = store.changes.get(created.changeId) as Change;
    expect(stored).toMatchObject({
      target: TARGET,
      version: '1.1.0',
      baseVersion: '1.0.0',
      status: 'submitted',
      requester: 'alice',
      config: PROD_LIVE.config,
      artifact: { sha256 },
      plan: { policy: { ruleId: 'all' }, tests: ['unit'] },
      promotedFrom: {
        changeId: 'chg-1',
        target: STAGING,
        environment: 'staging',
        version: '1.1.0',
        artifactSha256: sha256,
        deployedAt: DEPLOYED_AT,
        tests: { passed: true, buildId: 'build-7', suites: [{ suite: 'unit', passed: true }] },
      },
    });
    expect(Buffer.from(await artifacts.read(stored.artifact.uri))).toEqual(Buffer.from(sourceZip(2)));
    expect(sha256Base64(await artifacts.read(stored.artifact.uri))).toBe(sha256);
    expect(store.changes.get('chg-1')).toMatchObject({
      status: 'deployed',
      revision: 10,
      promotedTo: { changeId: created.changeId, target: TARGET, environment: 'production', version: '1.1.0', by: 'alice' },
    });
    expect(await store.getVersion(TARGET, '1.1.0')).toMatchObject({ changeId: created.changeId, testsPassed: false, artifact: { sha256 } });
    expect(store.entries.map((e) => [e.type, e.changeId, e.chain])).toEqual([
      ['ChangeAdvanced', 'chg-1', `target:${STAGING}`],
      ['ChangeProposed', created.changeId, `target:${TARGET}`],
    ]);
    expect(store.entries[0].details).toMatchObject({
      toChangeId: created.changeId,
      environment: 'production',
      artifactSha256: sha256,
      reason: 'a day in staging',
    });
    expect(store.entries[1].details).toMatchObject({ artifactSha256: sha256, promotedFrom: { changeId: 'chg-1', environment: 'staging' } });
    expect(workflow.started).toEqual([{ name: created.changeId, input: { changeId: created.changeId, target: TARGET } }]);
  });

  it('takes the version and config the request names instead of the defaults', async () => {
    const { svc, store } = arrange();

    const created = await advanceChange(svc, alice, 'chg-1', toProduction({ version: '1.1.1', config: { RATE: '3' } }));

    expect(store.changes.get(created.changeId)).toMatchObject({ version: '1.1.1', config: { RATE: '3' } });
  });

  it('refuses with 409, saying how long is left, before the policy’s healthy hours in staging have passed', async () => {
    const { svc, store } = arrange({ now: '2026-03-02T08:55:00.000Z' });

    const refusal = advanceChange(svc, alice, 'chg-1', toProduction());

    await expect(refusal).rejects.toThrow(ConflictError);
    await expect(refusal).rejects.toThrow(/requires 24 h there before production: 1 h 05 min left/);
    expect(store.entries).toEqual([]);
  });

  it('advances once the healthy hours have passed, to the minute', async () => {
    const { svc, clock } = arrange({ now: '2026-03-02T09:59:59.000Z' });
    await expect(advanceChange(svc, alice, 'chg-1', toProduction())).rejects.toThrow(/1 min left/);

    clock.set('2026-03-02T10:00:00.000Z');

    await expect(advanceChange(svc, alice, 'chg-1', toProduction())).resolves.toMatchObject({ target: TARGET });
  });

  it.each([
    ['is not deployed', { change: { status: 'rolled_back' as const } }, /is rolled_back: only a deployed change advances/],
    ['is no longer the live version of its target', { staging: { liveVersion: '1.2.0' } }, /no longer live on benefit-calculator-staging \(1\.2\.0 is\)/],
    ['has a target that promotes nowhere', { staging: { promotesTo: undefined } }, /promotes to no registered target/],
  ])('refuses with 409 a change that %s, writing nothing', async (_, over, message) => {
    const { svc, store, workflow } = arrange(over);

    await expect(advanceChange(svc, alice, 'chg-1', toProduction())).rejects.toThrow(message);

    expect(store.entries).toEqual([]);
    expect(workflow.started).toEqual([]);
  });

  it('refuses with 409 while an alarm of the source target is in ALARM', async () => {
    const { svc, alarms, store } = arrange();
    alarms.set({ name: `cmv-${STAGING}-error-rate`, state: 'ALARM', reason: 'errors', updatedAt: '2026-03-02T10:30:00.000Z' });

    await expect(advanceChange(svc, alice, 'chg-1', toProduction())).rejects.toThrow(/alarm cmv-benefit-calculator-staging-error-rate is in ALARM/);
    expect(store.entries).toEqual([]);
  });

  it('refuses with 400 on environment an environment outside the promotion order', async () => {
    const { svc } = arrange();

    const refusal = advanceChange(svc, alice, 'chg-1', toProduction({ environment: 'qa' }));

    await expect(refusal).rejects.toThrow(ValidationError);
    await expect(refusal).rejects.toMatchObject({ errors: [{ path: 'environment' }] });
  });

  it.each([
    ['backwards', 'development', /does not come after staging/],
    ['to its own environment', 'staging', /does not come after staging/],
  ])('refuses with 409 an advance %s', async (_, environment, message) => {
    const { svc } = arrange();

    await expect(advanceChange(svc, alice, 'chg-1', toProduction({ environment }))).rejects.toThrow(message);
  });

  it('refuses with 409 an environment other than the one its target promotes to, naming that one', async () => {
    // A development target that promotes to production (its registration's choice): staging is not its next environment.
    const { svc, store } = arrange({ staging: { environment: 'development' } });

    await expect(advanceChange(svc, alice, 'chg-1', toProduction({ environment: 'staging' }))).rejects.toThrow(
      /^environment: .* advances to benefit-calculator in production, one environment at a time, not to staging/,
    );
    expect(store.entries).toEqual([]);
  });

  it('refuses with 409 a version that exists on the next target, naming the field', async () => {
    const { svc } = arrange();

    await expect(advanceChange(svc, alice, 'chg-1', toProduction({ version: '1.0.0' }))).rejects.toThrow(
      /^version: 1\.0\.0 already exists on benefit-calculator/,
    );
  });

  it('refuses with 409 an artifact whose bytes no longer have the recorded SHA-256', async () => {
    const { svc, artifacts, store } = arrange();
    artifacts.objects.set(SOURCE_VERSION.artifact.uri, sourceZip(3));

    await expect(advanceChange(svc, alice, 'chg-1', toProduction())).rejects.toThrow(/no longer has its recorded SHA-256/);
    expect(store.entries).toEqual([]);
  });

  it('refuses with 403 a caller without the requester role', async () => {
    const { svc } = arrange();

    await expect(advanceChange(svc, caller('erin', 'auditor'), 'chg-1', toProduction())).rejects.toThrow(ForbiddenError);
  });

  it('refuses a second advance of the same change with 409 naming the first one', async () => {
    const { svc, store } = arrange();
    const first = await advanceChange(svc, alice, 'chg-1', toProduction());

    await expect(advanceChange(svc, alice, 'chg-1', toProduction({ version: '1.1.5' }))).rejects.toThrow(
      new RegExp(`already advanced to production as change ${first.changeId}`),
    );
    expect([...store.changes.values()].filter((c) => c.target === TARGET)).toHaveLength(1);
  });

  it('lets the loser of two concurrent advances get 409: one new change only', async () => {
    // Arrange: another advance records its intent between this one's read and its write.
    const { svc, store } = arrange();
    store.interleave(() => {
      const intent = { changeId: 'other', target: TARGET, environment: 'production', version: '1.1.0', by: 'bob', at: '2026-03-02T11:00:00.000Z' };
      store.seed({ changes: [{ ...(store.changes.get('chg-1') as Change), revision: 10, promotedTo: intent }] });
    });

    // Act / Assert
    await expect(advanceChange(svc, alice, 'chg-1', toProduction())).rejects.toThrow(/already advanced to production as change other/);
    expect([...store.changes.values()].filter((c) => c.target === TARGET)).toEqual([]);
    expect(store.entries).toEqual([]);
  });

  it('finishes an advance whose intent was recorded but whose change was never written (a crash between the writes)', async () => {
    const intent = { changeId: 'id-9', target: TARGET, environment: 'production', version: '1.1.0', by: 'alice', at: '2026-03-02T10:59:00.000Z' };
    const { svc, store, workflow } = arrange({ change: { promotedTo: intent } });

    const created = await advanceChange(svc, alice, 'chg-1', toProduction());

    expect(created).toMatchObject({ changeId: 'id-9', target: TARGET, version: '1.1.0', promotedFrom: { changeId: 'chg-1' } });
    expect(store.entries.map((e) => e.type)).toEqual(['ChangeProposed']);
    expect(workflow.started.map((s) => s.name)).toEqual(['id-9']);
  });

  it('advances again once the change it was advanced to ended without being deployed', async () => {
    const { svc, store } = arrange();
    const first = await advanceChange(svc, alice, 'chg-1', toProduction());
    store.seed({ changes: [{ ...(store.changes.get(first.changeId) as Change), status: 'rejected' }], versions: [] });

    const second = await advanceChange(svc, alice, 'chg-1', toProduction({ version: '1.1.1' }));

    expect(store.changes.get('chg-1')?.promotedTo?.changeId).toBe(second.changeId);
    expect(second.changeId).not.toBe(first.changeId);
  });
});
