import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ApiError } from '../../lib/client/api-client';
import { approveByBob, exampleChange, executionEnded, headsBesideReads, type Stack, startStack, waitForStatus } from '../integration/local-stack';

/**
 * Change categories over HTTP and the workflow: the policy's testing matrix keys on category (a
 * documentation change needs no tests and goes through the workflow without a test build, recorded
 * as such; a schema change needs suites the policy names beyond the usual six, which the target must
 * have), and a rule requires approver groups by category.
 */
jest.setTimeout(240_000);

const POLICY = {
  name: 'category policy',
  timeZone: 'UTC',
  rules: [
    {
      id: 'documentation',
      match: { categories: ['documentation'] },
      approvals: [{ name: 'Peer', roles: ['approver'], quorum: { count: 1 } }],
      tests: [],
      approvalTimeoutHours: 24,
    },
    {
      id: 'schema',
      match: { categories: ['schema'] },
      approvals: [{ name: 'Peer', roles: ['approver'], quorum: { count: 1 } }],
      tests: ['unit', 'migration', 'compatibility'],
      approvalTimeoutHours: 24,
    },
    {
      id: 'infrastructure',
      match: { categories: ['infrastructure'] },
      approvals: [
        { name: 'Peer', roles: ['approver'], quorum: { count: 1 } },
        { name: 'CAB', roles: ['cab'], quorum: { count: 1 } },
      ],
      tests: ['security'],
      approvalTimeoutHours: 24,
    },
    { id: 'rest', match: {}, approvals: [{ name: 'Peer', roles: ['approver'], quorum: { count: 1 } }], tests: ['unit'], approvalTimeoutHours: 24 },
  ],
};

describe('change categories (local stack)', () => {
  let stack: Stack;
  beforeAll(async () => {
    const policyFile = join(await mkdtemp(join(tmpdir(), 'cmv-categories-')), 'policy.yaml');
    await writeFile(policyFile, stringify(POLICY));
    stack = await startStack({ speed: 600, policyFile });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const change = (version: string, category?: string) =>
    exampleChange('1.1.0-seasonal-bonus.json', { version, redeploy: true, ...(category ? { category } : {}) });

  it('deploys a documentation change without a test build, recording that rule documentation requires no tests', async () => {
    const { changeId } = await stack.api.propose(await change('8.0.0', 'documentation'));
    await approveByBob(stack, changeId);
    const done = await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed', 'tests_failed']);

    const entries = (await stack.api.audit({ changeId }, 'erin')).items;
    const types = entries.map((e) => e.type);
    expect(done.status).toBe('deployed');
    expect(done.plan).toMatchObject({ tests: [], testsAfterDeploy: false, category: { name: 'documentation' } });
    expect(done.tests).toMatchObject({ passed: true, buildStatus: 'NOT_REQUIRED', suites: [] });
    expect(entries.find((e) => e.type === 'TestsNotRequired')?.details).toMatchObject({
      rule: 'documentation',
      reason: 'no tests required by rule documentation',
    });
    expect(types).not.toContain('TestsPassed');
    const seq = (type: string) => entries.find((e) => e.type === type)?.seq ?? Number.NaN;
    expect(seq('TestsNotRequired')).toBeLessThan(seq('ApprovalRequested'));
    const states = (await executionEnded(stack, changeId)).history.map((h) => h.state);
    expect(states).toContain('RecordNoTestsRequired');
    expect(states).not.toContain('RunTests');
  });

  it('refuses a schema change whose target lacks the suites the policy names (409), writing nothing', async () => {
    const before = { head: headsBesideReads((await stack.api.verify('erin')).heads), changes: (await stack.api.changes()).items.length };

    const err = (await stack.api.propose(await change('8.1.0', 'schema')).catch((e: unknown) => e)) as ApiError;

    expect(err.status).toBe(409);
    expect(err.message).toMatch(/rule schema\) requires test suites benefit-calculator does not have: migration, compatibility/);
    expect({ head: headsBesideReads((await stack.api.verify('erin')).heads), changes: (await stack.api.changes()).items.length }).toEqual(before);
  });

  it('plans the approver groups and suites of the category: infrastructure needs the CAB and the security suite', async () => {
    const infra = await stack.api.plan(await change('8.2.0', 'infrastructure'));
    const code = await stack.api.plan(await change('8.2.0'));

    expect(infra.plan.policy.ruleId).toBe('infrastructure');
    expect(infra.plan.approvals.groups.map((g) => g.name)).toEqual(['Peer', 'CAB']);
    expect(infra.plan.tests).toEqual(['security']);
    expect(code.plan).toMatchObject({ policy: { ruleId: 'rest' }, category: { name: 'code' }, tests: ['unit'] });
  });
});
