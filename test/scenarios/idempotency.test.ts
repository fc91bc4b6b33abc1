import { randomUUID } from 'node:crypto';
import type { Change } from '../../lambdas/core/change';
import { exampleChange, type Stack, startStack, waitForChange, waitForStatus } from '../integration/local-stack';

/**
 * `Idempotency-Key` over real HTTP, on POST /changes, votes and operator controls: a retry answers
 * the first answer and does nothing more; the same key with another body is 422; concurrent
 * duplicates make one change; keys are the caller's own; without the header nothing changes.
 */
jest.setTimeout(180_000);

describe('Idempotency-Key on POST /changes (local stack)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ speed: 60 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const post = async (body: unknown, key: string | undefined, user = 'alice', path = '/changes') => {
    const res = await fetch(`${stack.runtime.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user': user, ...(key ? { 'Idempotency-Key': key } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, contentType: res.headers.get('content-type'), json: (await res.json()) as Record<string, unknown> };
  };
  /** The changes of `version`, and the ChangeProposed entries of the ledger for `version`. */
  const proposalsOf = async (version: string) => {
    const changes = (await stack.api.changes({ limit: '100' })).items.filter((c) => c.version === version);
    const entries = (await stack.api.audit({ type: 'ChangeProposed', limit: '500' }, 'erin')).items.filter((e) =>
      changes.some((c) => c.changeId === e.changeId),
    );
    return { changes: changes.length, proposed: entries.length };
  };

  it('answers a retry with the same key and body with the first answer, and proposes one change', async () => {
    const body = await exampleChange('1.1.0-seasonal-bonus.json', { version: '1.1.1' });
    const key = randomUUID();

    const first = await post(body, key);
    const retry = await post(body, key);

    expect(first.status).toBe(201);
    expect(retry).toEqual(first);
    expect(await proposalsOf('1.1.1')).toEqual({ changes: 1, proposed: 1 });
  });

  it('refuses the same key with another body with 422, in JSON, and writes nothing', async () => {
    const key = randomUUID();
    const first = await post(await exampleChange('1.1.0-seasonal-bonus.json', { version: '1.1.2' }), key);
    expect(first.status).toBe(201);

    const other = await post(await exampleChange('1.1.0-seasonal-bonus.json', { version: '1.1.3' }), key);

    expect(other.status).toBe(422);
    expect(other.contentType).toMatch(/^application\/json/);
    expect(other.json.message).toMatch(/Idempotency-Key/);
    expect(await proposalsOf('1.1.3')).toEqual({ changes: 0, proposed: 0 });
  });

  it('makes one change of two concurrent requests with the same key: the other is 409 or the same answer', async () => {
    const body = await exampleChange('1.1.0-seasonal-bonus.json', { version: '1.1.4' });
    const key = randomUUID();

    const answers = await Promise.all([post(body, key), post(body, key)]);

    // Which one comes second depends on the machine: it finds the first in progress (409), or done (its answer).
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const a of answers) {
      if (a.status === 201) expect(a.json.changeId).toBe(created[0].json.changeId);
      else expect({ status: a.status, message: a.json.message }).toEqual({ status: 409, message: expect.stringMatching(/Idempotency-Key .*in progress/) });
    }
    expect(await proposalsOf('1.1.4')).toEqual({ changes: 1, proposed: 1 });
  });

  it("keeps each caller's keys apart: another caller's request with the same key is a request of its own", async () => {
    const key = randomUUID();
    const alices = await post(await exampleChange('1.1.0-seasonal-bonus.json', { version: '1.1.5' }), key, 'alice');
    const carols = await post(await exampleChange('1.1.0-seasonal-bonus.json', { version: '1.1.6' }), key, 'carol');

    expect([alices.status, carols.status]).toEqual([201, 201]);
    expect(carols.json.changeId).not.toBe(alices.json.changeId);
  });

  it('proposes each request without the header, as before', async () => {
    const body = await exampleChange('1.1.0-seasonal-bonus.json', { version: '1.1.7' });

    const first = await post(body, undefined);
    const second = await post(body, undefined);

    expect(first.status).toBe(201);
    expect(second.status).toBe(409);
    expect(await proposalsOf('1.1.7')).toEqual({ changes: 1, proposed: 1 });
  });

  /** The ledger entries of a change, oldest first, as `type:actor`. */
  const ledgerOf = async (changeId: string) => (await stack.api.audit({ changeId }, 'erin')).items.map((e) => `${e.type}:${e.actor}`).reverse();

  it('answers a retried vote with the first answer, records one vote, and refuses the key with another vote with 422', async () => {
    const { changeId } = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json', { version: '1.1.8' }));
    await waitForStatus(stack.api, changeId, ['awaiting_approval']);
    const key = randomUUID();
    const vote = { decision: 'reject', comment: 'not this quarter' };

    const first = await post(vote, key, 'bob', `/changes/${changeId}/approvals`);
    const retry = await post(vote, key, 'bob', `/changes/${changeId}/approvals`);
    const other = await post({ ...vote, comment: 'another comment' }, key, 'bob', `/changes/${changeId}/approvals`);

    expect(first.status).toBe(200);
    expect(retry).toEqual(first);
    expect(other.status).toBe(422);
    expect((await ledgerOf(changeId)).filter((e) => e === 'ChangeRejected:bob')).toHaveLength(1);
  });

  it('answers a retried operator control with the first answer, and refuses the key with another control with 422', async () => {
    const { changeId } = await stack.api.propose(
      await exampleChange('1.1.0-seasonal-bonus.json', {
        version: '1.1.9',
        baseVersion: '1.0.0',
        canary: { steps: [10, 50, 100], bakeSeconds: 120 },
        config: { MAX_WEEKLY_BENEFIT: '1119', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '25' },
      }),
    );
    await waitForStatus(stack.api, changeId, ['awaiting_approval']);
    await stack.api.decide(changeId, 'approve', 'ok', 'bob');
    await waitFor(changeId, (c) => c.deployment?.currentWeight === 10);
    const key = randomUUID();

    const first = await post({ reason: 'watching a dashboard' }, key, 'dana', `/changes/${changeId}/pause`);
    const retry = await post({ reason: 'watching a dashboard' }, key, 'dana', `/changes/${changeId}/pause`);
    const other = await post({ reason: 'watching a dashboard' }, key, 'dana', `/changes/${changeId}/abort`);

    expect(first.status).toBe(200);
    expect(retry).toEqual(first);
    expect(other.status).toBe(422);
    expect((await ledgerOf(changeId)).filter((e) => e === 'DeploymentPaused:dana')).toHaveLength(1);
    await stack.api.control(changeId, 'abort', 'done', 'dana');
  });

  const waitFor = (changeId: string, ok: (c: Change) => boolean): Promise<Change> => waitForChange(stack.api, changeId, ok);
});
