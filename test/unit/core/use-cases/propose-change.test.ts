import { sha256Base64, zipSource } from '../../../../lambdas/core/artifact';
import { ProposeChangeRequest } from '../../../../lambdas/core/change-request';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../../../lambdas/core/errors';
import { previewChange, proposeChange } from '../../../../lambdas/core/use-cases/propose-change';
import { fakeServices, MemoryArtifacts, MemoryChangeStore } from '../../../fixtures/fakes';
import { aTarget, aVersion, caller, sourceZip, TARGET, user } from '../../../fixtures/records';

const alice = caller('alice', 'requester');
const USERS = [user('alice', 'requester'), user('bob', 'approver')];
const BASE = aVersion('1.0.0', 1, { functionVersion: '1' });

/** A config-only change of the target live on 1.0.0: RATE 1 → 2 (a config value: a patch). */
const request = (over: Record<string, unknown> = {}) =>
  ProposeChangeRequest.parse({ target: TARGET, title: 'Raise the rate', changeType: 'standard', riskLevel: 'low', config: { RATE: '2' }, ...over });

function arrange() {
  const store = new MemoryChangeStore().seed({ targets: [aTarget()], versions: [BASE] });
  const artifacts = new MemoryArtifacts();
  artifacts.objects.set(BASE.artifact.uri, sourceZip(1));
  return fakeServices({ users: USERS, fakes: { store, artifacts } });
}

describe('proposeChange()', () => {
  it('stores the change and its new version with a ChangeProposed entry, then starts the workflow named by the change id', async () => {
    // Arrange
    const { svc, store, workflow, clock } = arrange();

    // Act
    const change = await proposeChange(svc, alice, request());

    // Assert
    const sha256 = sha256Base64(sourceZip(1));
    expect(store.changes.get('id-1')).toMatchObject({
      status: 'submitted',
      revision: 1,
      target: TARGET,
      version: '1.0.1',
      baseVersion: '1.0.0',
      requester: 'alice',
      config: { RATE: '2' },
      artifact: { sha256, uri: `mem://artifacts/${TARGET}/${Buffer.from(sha256, 'base64').toString('hex')}.zip` },
      createdAt: clock.now().toISOString(),
    });
    expect(await store.getVersion(TARGET, '1.0.1')).toMatchObject({ changeId: 'id-1', testsPassed: false, config: { RATE: '2' }, revision: 1 });
    expect(store.entries).toMatchObject([
      {
        type: 'ChangeProposed',
        changeId: 'id-1',
        actor: 'alice',
        details: {
          version: '1.0.1',
          baseVersion: '1.0.0',
          versioning: { bump: 'patch', reasons: ['changes the value of RATE'] },
          artifactSha256: sha256,
          policy: { ruleId: 'low-risk' },
        },
      },
    ]);
    expect(workflow.started).toEqual([{ name: 'id-1', input: { changeId: 'id-1', target: TARGET } }]);
    expect(change.executionArn).toMatch(/:id-1$/);
  });

  it('accepts the live code and config again as a redeploy, and says so in the entry', async () => {
    const { svc, store } = arrange();

    await proposeChange(svc, alice, request({ config: { RATE: '1' }, redeploy: true }));

    expect(store.entries).toMatchObject([{ type: 'ChangeProposed', details: { redeploy: true } }]);
  });

  it.each([
    ['a caller without the requester role', caller('bob', 'approver'), request(), ForbiddenError, /needs the requester role/],
    ['an unknown target', alice, request({ target: 'no-such-target' }), NotFoundError, /target no-such-target is not registered/],
    ['an unknown base version', alice, request({ baseVersion: '0.9.0' }), ValidationError, /0.9.0 is not a version of benefit-calculator/],
    ['the live code and config without redeploy', alice, request({ config: { RATE: '1' } }), ConflictError, /nothing changes/],
  ])('refuses %s, writing nothing and starting nothing', async (_case, who, req, error, message) => {
    const { svc, store, workflow, artifacts } = arrange();

    const proposal = proposeChange(svc, who, req);

    await expect(proposal).rejects.toThrow(error);
    await expect(proposal).rejects.toThrow(message);
    expect(store.entries).toEqual([]);
    expect(store.changes.size).toBe(0);
    expect(workflow.started).toEqual([]);
    expect([...artifacts.objects.keys()]).toEqual([BASE.artifact.uri]);
  });

  it('refuses with a 409 when a concurrent proposal created the same version between the read and the write', async () => {
    // Arrange: another proposal's 1.0.1 commits first.
    const { svc, store, workflow } = arrange();
    store.interleave(() => store.seed({ versions: [aVersion('1.0.1', 3, { changeId: 'chg-other' })] }));

    // Act
    const proposal = proposeChange(svc, alice, request());

    // Assert
    await expect(proposal).rejects.toThrow(new ConflictError('version 1.0.1 of benefit-calculator already exists'));
    expect(store.entries).toEqual([]);
    expect(store.changes.size).toBe(0);
    expect(await store.getVersion(TARGET, '1.0.1')).toMatchObject({ changeId: 'chg-other' });
    expect(workflow.started).toEqual([]);
  });
});

describe('previewChange()', () => {
  it('answers the version, base, artifact hash and plan, writing nothing', async () => {
    const { svc, store, artifacts } = arrange();

    const preview = await previewChange(svc, alice, request());

    expect(preview).toMatchObject({
      target: TARGET,
      version: '1.0.1',
      baseVersion: '1.0.0',
      artifactSha256: sha256Base64(sourceZip(1)),
      plan: { policy: { ruleId: 'low-risk' }, versioning: { bump: 'patch', reasons: ['changes the value of RATE'] } },
    });
    expect(store.entries).toEqual([]);
    expect(store.changes.size).toBe(0);
    expect([...artifacts.objects.keys()]).toEqual([BASE.artifact.uri]);
  });
});

describe('the version a change gets when it names none', () => {
  it.each([
    ['a config value change', {}, '1.0.1', { bump: 'patch', reasons: ['changes the value of RATE'] }],
    ['an added config key', { config: { RATE: '1', MODE: 'fast' } }, '1.1.0', { bump: 'minor', reasons: ['adds config key MODE'] }],
    ['a removed config key', { config: {} }, '2.0.0', { bump: 'major', reasons: ['removes config key RATE'] }],
    ['a declared breaking change', { breaking: true }, '2.0.0', { bump: 'major', reasons: ['declared breaking'] }],
    ['a declared feature', { kind: 'feature' }, '1.1.0', { bump: 'minor', reasons: ['declared a feature'] }],
    ['a requested bump, which wins', { bump: 'major' }, '2.0.0', { bump: 'major', reasons: ['asked for by the change request'] }],
    ['a named version', { version: '1.5.0' }, '1.5.0', { bump: null, reasons: ['named by the change request'] }],
  ])('%s', async (_case, over, version, versioning) => {
    const { svc } = arrange();

    const preview = await previewChange(svc, alice, request(over));

    expect(preview.version).toBe(version);
    expect(preview.plan.versioning).toEqual(versioning);
  });

  it('reads the bundle: a code change declared a fix is a patch, one removing a schema field is major whatever it declares', async () => {
    // Arrange: the base bundle has a claim schema with two fields; two new bundles as artifacts.
    const { svc, artifacts } = arrange();
    const schema = (fields: string[]) => JSON.stringify({ type: 'object', properties: Object.fromEntries(fields.map((f) => [f, { type: 'string' }])) });
    artifacts.objects.set(BASE.artifact.uri, zipSource({ 'index.js': Buffer.from('v1'), 'claim.schema.json': Buffer.from(schema(['claimId', 'wages'])) }));
    artifacts.objects.set(
      's3://in/fix.zip',
      zipSource({ 'index.js': Buffer.from('v1 fixed'), 'claim.schema.json': Buffer.from(schema(['claimId', 'wages'])) }),
    );
    artifacts.objects.set('s3://in/narrow.zip', zipSource({ 'index.js': Buffer.from('v1 fixed'), 'claim.schema.json': Buffer.from(schema(['claimId'])) }));
    const code = (uri: string) => ({ code: { artifact: uri }, config: undefined });

    // Act
    const fix = await previewChange(svc, alice, request({ ...code('s3://in/fix.zip'), kind: 'fix' }));
    const narrow = await previewChange(svc, alice, request({ ...code('s3://in/narrow.zip'), kind: 'fix' }));

    // Assert
    expect(fix).toMatchObject({ version: '1.0.1', plan: { versioning: { bump: 'patch', reasons: ['declared a fix'] } } });
    expect(narrow).toMatchObject({ version: '2.0.0', plan: { versioning: { bump: 'major', reasons: ['removes schema field wages (claim.schema.json)'] } } });
  });
});
