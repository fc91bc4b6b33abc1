import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ApiError } from '../../lib/client/api-client';
import { EXAMPLE, exampleChange, headsBesideReads, type Stack, startStack, TARGET, waitForStatus } from './local-stack';

/** The REST contract over real HTTP: status codes, field errors, and that refused requests write nothing. */
jest.setTimeout(180_000);

describe('REST API (local stack)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ speed: 60 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** What a refused request must not change: the ledger's heads (but audit-reads', where each verify here records itself) and the number of changes. */
  const snapshot = async () => ({
    head: headsBesideReads((await stack.api.verify('erin')).heads),
    changes: (await stack.api.changes({ limit: '100' })).items.length,
  });
  const post = (path: string, body: string, user = 'alice', contentType = 'application/json') =>
    fetch(`${stack.runtime.url}${path}`, { method: 'POST', headers: { 'content-type': contentType, 'x-user': user }, body });

  describe('POST /changes', () => {
    it.each([
      ['an unknown field', { extra: 1 }, ''],
      ['a bad target name', { target: 'Bad Name' }, 'target'],
      ['a version that is not semantic', { version: 'v2' }, 'version'],
      ['an artifact that is neither file:// nor s3://', { code: { artifact: 'http://x/y.zip' } }, 'code.artifact'],
      ['a reserved config key', { config: { AWS_REGION: 'eu-west-1' } }, 'config'],
      ['canary steps that do not end at 100', { canary: { steps: [10, 50] } }, 'canary.steps'],
    ])('rejects %s with 400 naming the field, and writes nothing', async (_what, override, path) => {
      const before = await snapshot();
      const body = { ...(await exampleChange('1.1.0-seasonal-bonus.json')), ...override };

      const res = await post('/changes', JSON.stringify(body));
      const json = (await res.json()) as { message: string; errors: { path: string; message: string }[] };

      expect(res.status).toBe(400);
      expect(json.errors.map((e) => e.path)).toContain(path || '(body)');
      expect(json.message).toMatch(/invalid request body/);
      expect(await snapshot()).toEqual(before);
    });

    it('rejects a diff that does not apply to its base version with 400 on code.diff, and writes nothing', async () => {
      const before = await snapshot();
      const body = await exampleChange('1.2.0-itemised-dependants.json', { baseVersion: '1.0.0' });

      const err = await stack.api.propose(body).catch((e: ApiError) => e);

      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).status).toBe(400);
      expect((err as ApiError).body.errors?.[0].path).toBe('code.diff');
      expect(await snapshot()).toEqual(before);
    });

    it('bumps from the highest version, also for a target whose versions were stored before order markers existed', async () => {
      const body = await exampleChange('1.1.0-seasonal-bonus.json', { version: undefined, bump: 'minor' });
      const expected = (await stack.api.plan(body)).version;
      const db = DynamoDBDocumentClient.from(new DynamoDBClient(stack.runtime.dynamo));
      const markers = await db.send(
        new QueryCommand({
          TableName: 'cmv-changes',
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :o)',
          ExpressionAttributeValues: { ':pk': `TARGET#${TARGET}`, ':o': 'VERSION_ORDER#' },
        }),
      );
      expect(markers.Items?.length).toBeGreaterThan(0);
      for (const m of markers.Items ?? []) await db.send(new DeleteCommand({ TableName: 'cmv-changes', Key: { pk: m.pk, sk: m.sk } }));

      const planned = await stack.api.plan(body);

      expect(planned.version).toBe(expected);
      expect(expected).not.toBe('0.1.0');
      for (const m of markers.Items ?? []) await db.send(new PutCommand({ TableName: 'cmv-changes', Item: m }));
    });

    it('rejects malformed JSON with 400 and a body not sent as JSON with 415', async () => {
      expect((await post('/changes', '{not json')).status).toBe(400);
      expect((await post('/changes', '{}', 'alice', 'text/plain')).status).toBe(415);
    });

    it('answers 401 without a known caller and 403 for a caller without the requester role', async () => {
      const body = JSON.stringify(await exampleChange('1.1.0-seasonal-bonus.json'));
      expect((await post('/changes', body, 'nobody')).status).toBe(401);
      expect((await post('/changes', body, 'erin')).status).toBe(403);
    });

    it('answers 404 for an unregistered target and 400 for an unknown base version', async () => {
      await expect(stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json', { target: 'no-such-service' }))).rejects.toMatchObject({ status: 404 });
      await expect(stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json', { baseVersion: '9.9.9' }))).rejects.toMatchObject({
        status: 400,
        body: { errors: [{ path: 'baseVersion' }] },
      });
    });

    describe('a change that changes nothing', () => {
      const LIVE_CONFIG = { MAX_WEEKLY_BENEFIT: '1105', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' };
      const sameAsLive = async (overrides: Record<string, unknown>) =>
        exampleChange('1.1.0-seasonal-bonus.json', { version: '1.9.0', baseVersion: undefined, code: undefined, ...overrides });

      it.each([
        ['config only, with the live config', {}],
        [
          'config only, with the live config in another key order',
          { config: { DEPENDENCY_ALLOWANCE: '25', MIN_BASE_PERIOD_WAGES: '6300', MAX_WEEKLY_BENEFIT: '1105' } },
        ],
        ['the live code as a file:// source, with the live config', { code: { artifact: pathToFileURL(join(EXAMPLE, 'service')).href }, config: LIVE_CONFIG }],
      ])('refuses it with 409 "nothing changes" (%s), in a dry run too, and writes nothing', async (_what, overrides) => {
        const before = await snapshot();
        const body = await sameAsLive(overrides);

        const dryRun = await post('/changes?dryRun=true', JSON.stringify(body));
        const real = await post('/changes', JSON.stringify(body));

        expect(dryRun.status).toBe(409);
        expect(((await dryRun.json()) as { message: string }).message).toMatch(/nothing changes: .*live version 1\.0\.0.*redeploy/);
        expect(real.status).toBe(409);
        expect(await snapshot()).toEqual(before);
      });

      it('accepts it when the request says it is a re-deploy', async () => {
        const out = await stack.api.plan(await sameAsLive({ redeploy: true }));

        expect(out).toMatchObject({ version: '1.9.0', baseVersion: '1.0.0' });
      });

      it('rejects a redeploy flag that is not a boolean with 400 on redeploy', async () => {
        const res = await post('/changes?dryRun=true', JSON.stringify(await sameAsLive({ redeploy: 'yes' })));

        expect(res.status).toBe(400);
        expect(((await res.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['redeploy']);
      });
    });

    it('derives the version when none is named (a code change declared a fix: the next patch, with why on the plan), and 409 when the named version exists', async () => {
      const { version: first, changeId } = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json', { version: undefined, kind: 'fix' }));
      await expect(stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json', { version: first }))).rejects.toMatchObject({ status: 409 });

      expect(first).toBe('1.0.1');
      expect((await stack.api.change(changeId)).plan.versioning).toEqual({ bump: 'patch', reasons: ['declared a fix'] });
      await waitForStatus(stack.api, changeId, ['awaiting_approval']);
    });
  });

  describe('POST /changes/{id}/approvals', () => {
    it('answers 403 when the requester approves their own change, and 409 when the change is not awaiting approval', async () => {
      const { changeId } = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json', { version: '2.0.0' }), 'carol');
      await waitForStatus(stack.api, changeId, ['awaiting_approval']);

      await expect(stack.api.decide(changeId, 'approve', 'mine', 'carol')).rejects.toMatchObject({ status: 403 });
      await expect(stack.api.decide(changeId, 'approve', '', 'erin')).rejects.toMatchObject({ status: 403 });
      await stack.api.decide(changeId, 'reject', 'not now', 'bob');
      const late = await post(`/changes/${changeId}/approvals`, JSON.stringify({ decision: 'approve', comment: '' }), 'bob');

      expect(late.status).toBe(409);
      expect((await stack.api.change(changeId)).approvals).toHaveLength(1);
    });

    it('rejects a bad decision with 400 and an unknown change with 404', async () => {
      const bad = await post('/changes/x/approvals', JSON.stringify({ decision: 'maybe' }), 'bob');
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { errors: { path: string }[] }).errors[0].path).toBe('decision');
      expect((await post('/changes/no-such-change/approvals', JSON.stringify({ decision: 'approve' }), 'bob')).status).toBe(404);
    });
  });

  describe('GET /changes', () => {
    it('lists newest first, filters by target and status, and pages with nextToken', async () => {
      const page1 = await stack.api.changes({ target: TARGET, limit: '1' });
      const page2 = await stack.api.changes({ target: TARGET, limit: '1', nextToken: page1.nextToken ?? '' });
      const rejected = await stack.api.changes({ status: 'rejected' });

      expect(page1.items).toHaveLength(1);
      expect(page1.nextToken).toBeDefined();
      expect(page2.items[0].createdAt <= page1.items[0].createdAt).toBe(true);
      expect(page2.items[0].changeId).not.toBe(page1.items[0].changeId);
      expect(rejected.items.length).toBeGreaterThan(0);
      expect(rejected.items.every((c) => c.status === 'rejected')).toBe(true);
    });

    it('answers 400 for an unknown status or a forged page token, and 404 for an unknown change', async () => {
      await expect(stack.api.changes({ status: 'lost' })).rejects.toMatchObject({ status: 400 });
      await expect(stack.api.changes({ nextToken: 'garbage' })).rejects.toMatchObject({ status: 400, body: { errors: [{ path: 'nextToken' }] } });
      await expect(stack.api.change('no-such-change')).rejects.toMatchObject({ status: 404 });
    });
  });

  describe('targets and activate', () => {
    it('shows targets, live version, alias routing and versions; 404 for an unknown target', async () => {
      const { items } = await stack.api.request<{ items: { name: string }[] }>('GET', '/targets');
      const target = await stack.api.target(TARGET);
      const versions = await stack.api.versions(TARGET);

      expect(items.map((t) => t.name)).toEqual([TARGET]);
      expect(target).toMatchObject({ liveVersion: '1.0.0', alias: { name: 'live', routingPercent: { '1': 100 } } });
      expect(versions.items[0].version).toBe('2.0.0');
      expect(versions.items.find((v) => v.version === '1.0.0')).toMatchObject({ live: true, status: 'live', testsPassed: true });
      await expect(stack.api.target('nope')).rejects.toMatchObject({ status: 404 });
      await expect(stack.api.versions('nope')).rejects.toMatchObject({ status: 404 });
    });

    it('refuses activate without release_admin (403), for an unknown version (404) and for a version never deployed (409)', async () => {
      await expect(stack.api.activate(TARGET, '1.0.0', '', 'alice')).rejects.toMatchObject({ status: 403 });
      await expect(stack.api.activate(TARGET, '7.7.7', '', 'dana')).rejects.toMatchObject({ status: 404 });
      await expect(stack.api.activate(TARGET, '2.0.0', '', 'dana')).rejects.toMatchObject({ status: 409 });
      expect((await stack.api.target(TARGET)).liveVersion).toBe('1.0.0');
    });
  });

  describe("POST /targets/{target}/invoke (local only: the target's callers)", () => {
    const claim = JSON.parse(readFileSync(join(EXAMPLE, 'traffic', 'one-claim.json'), 'utf8'));
    const invokeAs = (user: string, target = TARGET) => post(`/targets/${target}/invoke`, JSON.stringify(claim), user);

    it('lets a requester and a release admin invoke the alias', async () => {
      for (const user of ['alice', 'dana']) {
        const res = await invokeAs(user);
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({ executedVersion: '1', ok: true });
      }
    });

    it.each(['erin', 'bob', 'grace', 'frank'])('answers 403 for %s, who is neither requester nor release_admin, before reading the target', async (user) => {
      const res = await invokeAs(user);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ message: 'this needs one of the roles: requester, release_admin' });
      expect((await invokeAs(user, 'no-such-target')).status).toBe(403);
    });
    it('records every invoke in the access log under the data dir: caller, target (path), executed version, outcome; refusals too', async () => {
      await invokeAs('alice');
      await invokeAs('erin');

      const lines = readFileSync(join(stack.runtime.dataDir, 'logs', 'api-access.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const invokes = lines.filter((l) => l.resource === '/targets/{target}/invoke').slice(-2);
      expect(invokes).toEqual([
        expect.objectContaining({ caller: 'alice', method: 'POST', path: `/targets/${TARGET}/invoke`, status: 200, executedVersion: '1', outcome: 'ok' }),
        expect.objectContaining({ caller: 'erin', method: 'POST', path: `/targets/${TARGET}/invoke`, status: 403 }),
      ]);
      expect(invokes[1].executedVersion).toBeUndefined();
    });
  });

  describe('GET /audit', () => {
    const get = (path: string, user: string) => fetch(`${stack.runtime.url}${path}`, { headers: { 'x-user': user } });

    it.each([
      ['erin', 'auditor'],
      ['dana', 'release_admin'],
      ['frank', 'cab'],
      ['grace', 'executive'],
    ])('lets %s (%s) read and verify the audit trail', async (user) => {
      expect((await get('/audit?limit=1', user)).status).toBe(200);
      expect((await get('/audit/verify', user)).status).toBe(200);
    });

    it.each([
      ['alice', 'requester'],
      ['carol', 'approver and requester'],
    ])('refuses %s (%s) the audit trail and its verification with 403', async (user) => {
      const audit = await get('/audit?limit=1', user);
      const verify = await get('/audit/verify', user);

      expect([audit.status, verify.status]).toEqual([403, 403]);
      expect(((await audit.json()) as { message: string }).message).toMatch(/auditor, release_admin, cab, executive/);
    });

    it('filters ledger entries by change, type and actor, newest first', async () => {
      const { items: all } = await stack.api.audit({ limit: '500' }, 'erin');
      const changeId = all.find((e) => e.type === 'ChangeRejected')?.changeId ?? '';

      const byChange = await stack.api.audit({ changeId }, 'erin');
      const byType = await stack.api.audit({ type: 'ChangeRejected' }, 'erin');
      const byActor = await stack.api.audit({ actor: 'bob', type: 'ChangeRejected' }, 'erin');

      // newest first by the global order (time, chain, seq): entries of several chains (a target's, audit-reads) interleave
      expect(all.map((e) => e.order)).toEqual([...all.map((e) => e.order)].sort().reverse());
      expect(byChange.items.map((e) => e.type).reverse()).toEqual([
        'ChangeProposed',
        'BundleSigned',
        'TestsStarted',
        'TestsPassed',
        'ApprovalRequested',
        'ChangeRejected',
      ]);
      expect(byType.items.every((e) => e.type === 'ChangeRejected')).toBe(true);
      expect(byActor.items).toHaveLength(1);
      await expect(stack.api.audit({ from: 'yesterday' }, 'erin')).rejects.toMatchObject({ status: 400 });
    });
  });
});
