import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parsePolicy } from '../../lambdas/adapters/policy-file';
import { policyHash } from '../../lambdas/core/policy/change-policy';
import type { ApiError } from '../../lib/client/api-client';
import { EXAMPLE, exampleChange, headsBesideReads, type Stack, startStack, TARGET, waitForStatus } from '../integration/local-stack';

/**
 * The change-control policy on the local stack, with a policy file whose windows and timeouts are
 * known: dry-run plans that write nothing, quorum of different roles, a change held for its window,
 * and the policy's approval timeout.
 */
jest.setTimeout(180_000);

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
/** Two days from now (UTC), so "now" is never inside the window. */
const windowDay = DAYS[(new Date().getUTCDay() + 2) % 7];

const POLICY = {
  name: 'integration-test policy',
  timeZone: 'UTC',
  rules: [
    {
      id: 'critical',
      match: { riskLevels: ['critical'] },
      approvals: [
        { name: 'CAB', roles: ['cab'], quorum: { count: 1 } },
        { name: 'Executive', roles: ['executive'], quorum: { count: 1 } },
      ],
      tests: ['lint', 'unit'],
      approvalTimeoutHours: 24,
    },
    {
      id: 'held',
      match: { riskLevels: ['high'] },
      approvals: [{ name: 'Peer', roles: ['approver'], quorum: { count: 1 } }],
      tests: ['unit'],
      windows: [{ days: [windowDay], start: '00:00', end: '23:59' }],
      approvalTimeoutHours: 24,
    },
    {
      id: 'hasty',
      match: { riskLevels: ['low'] },
      approvals: [{ name: 'Peer', roles: ['approver'], quorum: { count: 1 } }],
      tests: ['unit'],
      approvalTimeoutHours: 0.0005,
    },
    { id: 'rest', match: {}, approvals: [{ name: 'Peer', roles: ['approver'], quorum: { count: 1 } }], tests: ['unit'], approvalTimeoutHours: 24 },
  ],
};

describe('change-control policy (local stack)', () => {
  let stack: Stack;
  let policyFile: string;
  beforeAll(async () => {
    policyFile = join(await mkdtemp(join(tmpdir(), 'cmv-policy-')), 'policy.yaml');
    await writeFile(policyFile, stringify(POLICY));
    stack = await startStack({ speed: 600, policyFile });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** The example change under another version; a re-deploy, since once one of them is live the next changes nothing. */
  const change = (version: string, riskLevel: string) => exampleChange('1.1.0-seasonal-bonus.json', { version, riskLevel, redeploy: true });

  it('plans a change on dryRun=true — approvers, tests, window, canary, policy hash — and writes nothing', async () => {
    const before = { head: headsBesideReads((await stack.api.verify('erin')).heads), changes: (await stack.api.changes()).items.length };

    const out = await stack.api.plan(await change('5.0.0', 'critical'));

    expect(out).toMatchObject({ target: TARGET, version: '5.0.0', baseVersion: '1.0.0' });
    expect(out.plan.policy).toMatchObject({
      name: 'integration-test policy',
      ruleId: 'critical',
      sha256: policyHash(parsePolicy(JSON.stringify(POLICY), 'p.json')),
    });
    expect(out.plan.approvals.groups.map((g) => [g.name, g.required, g.eligible])).toEqual([
      ['CAB', 1, ['bob', 'frank']],
      ['Executive', 1, ['grace']],
    ]);
    expect(out.plan.tests).toEqual(['lint', 'unit']);
    expect(out.plan.canary).toEqual({ steps: [10, 50, 100], bakeSeconds: 60, finalBakeSeconds: 60 });
    expect(out.plan.strategy).toBe('alias-weights');
    expect({ head: headsBesideReads((await stack.api.verify('erin')).heads), changes: (await stack.api.changes()).items.length }).toEqual(before);
    await expect(stack.api.plan(await change('5.0.1', 'extreme'))).rejects.toMatchObject({ status: 400 });
  });

  it('records the plan and the policy hash on the change and in its ChangeProposed ledger entry', async () => {
    const { changeId } = await stack.api.propose(await change('5.1.0', 'medium'));

    const stored = await stack.api.change(changeId);
    const [proposed] = (await stack.api.audit({ changeId, type: 'ChangeProposed' }, 'erin')).items;

    expect(stored.plan.policy.ruleId).toBe('rest');
    expect(proposed.details).toMatchObject({ policy: { sha256: stored.plan.policy.sha256, ruleId: 'rest' }, tests: ['unit'] });
    await waitForStatus(stack.api, changeId, ['awaiting_approval']);
  });

  it('needs approvers of both roles for a critical change; one of them alone leaves it waiting', async () => {
    const { changeId } = await stack.api.propose(await change('5.2.0', 'critical'));
    await waitForStatus(stack.api, changeId, ['awaiting_approval']);

    const afterCab = await stack.api.decide(changeId, 'approve', 'CAB ok', 'bob');
    await expect(stack.api.decide(changeId, 'approve', 'also CAB', 'frank')).resolves.toMatchObject({ status: 'awaiting_approval' });
    const stillWaiting = await stack.api.change(changeId);
    await expect(stack.api.decide(changeId, 'approve', 'not eligible', 'dana')).rejects.toMatchObject({ status: 403 });
    await stack.api.decide(changeId, 'approve', 'exec ok', 'grace');
    const done = await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed']);

    expect(afterCab.status).toBe('awaiting_approval');
    expect(stillWaiting.approvedAt).toBeUndefined();
    expect(done.status).toBe('deployed');
    expect(done.approvals.map((v) => v.approver)).toEqual(['bob', 'frank', 'grace']);
    expect(done.tests?.suites?.map((s) => [s.suite, s.passed])).toEqual([
      ['lint', true],
      ['unit', true],
    ]);
  });

  it('holds an approved change for its change window: scheduled, with the start time', async () => {
    const { changeId } = await stack.api.propose(await change('5.3.0', 'high'));
    await waitForStatus(stack.api, changeId, ['awaiting_approval']);

    await stack.api.decide(changeId, 'approve', 'ok', 'bob');
    const held = await waitForStatus(stack.api, changeId, ['scheduled', 'deploying', 'deployed']);

    expect(held.status).toBe('scheduled');
    expect(new Date(held.scheduledFor ?? '').getUTCDay()).toBe(DAYS.indexOf(windowDay));
    expect(held.scheduledFor?.endsWith('T00:00:00.000Z')).toBe(true);
    expect((await stack.api.audit({ changeId, type: 'DeploymentScheduled' }, 'erin')).items).toHaveLength(1);
    expect(held.deployment).toBeUndefined();
  });

  it('expires a change when the policy’s approval timeout passes, and records it', async () => {
    const { changeId } = await stack.api.propose(await change('5.4.0', 'low'));

    const expired = await waitForStatus(stack.api, changeId, ['expired', 'deployed', 'failed'], 90_000);

    expect(expired.status).toBe('expired');
    expect((await stack.api.audit({ changeId, type: 'ApprovalExpired' }, 'erin')).items).toHaveLength(1);
    await expect(stack.api.decide(changeId, 'approve', 'late', 'bob')).rejects.toMatchObject({ status: 409 });
  });
});

describe('policy that cannot be met (local stack)', () => {
  it('refuses with 409 a change whose required suites the target lacks, or whose approvers do not exist, writing nothing', async () => {
    // Arrange: the example target with only a unit suite, and a directory without an executive.
    const dir = await mkdtemp(join(tmpdir(), 'cmv-unmet-'));
    const target = JSON.parse(await readFile(join(EXAMPLE, 'target.json'), 'utf8'));
    await writeFile(join(dir, 'target.json'), JSON.stringify({ ...target, source: join(EXAMPLE, 'service'), testSuites: { unit: 'node --test' } }));
    const users = JSON.parse(await readFile(join(EXAMPLE, '..', 'users.json'), 'utf8')) as { users: { roles: string[] }[] };
    await writeFile(join(dir, 'users.json'), JSON.stringify({ users: users.users.filter((u) => !u.roles.includes('executive')) }));
    const stack = await startStack({ speed: 60, targets: [join(dir, 'target.json')], usersFile: join(dir, 'users.json') });
    try {
      const head = headsBesideReads((await stack.api.verify('erin')).heads);

      // Act
      const missingSuites = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json')).catch((e: ApiError) => e);
      const noExecutive = await stack.api.plan(await exampleChange('1.1.0-seasonal-bonus.json', { riskLevel: 'critical' })).catch((e: ApiError) => e);

      // Assert
      expect(missingSuites).toMatchObject({ status: 409 });
      expect((missingSuites as ApiError).message).toMatch(/requires test suites benefit-calculator does not have: lint, integration/);
      expect(noExecutive).toMatchObject({ status: 409 });
      expect((noExecutive as ApiError).message).toMatch(/Executive sign-off needs 1 approver\(s\) but only 0 eligible/);
      expect(headsBesideReads((await stack.api.verify('erin')).heads)).toEqual(head);
    } finally {
      await stack.stop();
    }
  });
});
