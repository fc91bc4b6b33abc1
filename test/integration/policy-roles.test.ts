import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { readDeploymentConfig } from '../../lib/deployment-config-files';
import { ROOT } from '../../lib/local/runtime';
import { exampleChange, type Stack, startStack, waitForStatus } from './local-stack';

/**
 * Roles from the policy file: a role the policy declares (security) names an approver group and
 * users hold it; the built-in roles keep CMV's own authorization working (alice proposes, erin
 * reads the audit trail); a users file with a role the policy does not know is refused at load.
 */
jest.setTimeout(180_000);

const POLICY = {
  name: 'roles policy',
  timeZone: 'UTC',
  roles: [{ name: 'security', description: 'Reviews security-relevant changes' }, { name: 'tech-lead' }],
  rules: [
    {
      id: 'all',
      match: {},
      approvals: [{ name: 'Security review', roles: ['security'], quorum: { count: 1 } }],
      tests: ['unit'],
      testsAfterDeploy: true,
      approvalTimeoutHours: 24,
    },
  ],
};

describe('roles from the policy file (local stack)', () => {
  let stack: Stack;
  let dir: string;
  let usersFile: string;
  let policyFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-roles-'));
    policyFile = join(dir, 'policy.yaml');
    usersFile = join(dir, 'users.json');
    const users = JSON.parse(await readFile(join(ROOT, 'examples', 'users.json'), 'utf8'));
    users.users.push({ id: 'sam', name: 'Sam Reyes', email: 'sam@example.org', roles: ['security', 'tech-lead'] });
    await writeFile(policyFile, stringify(POLICY));
    await writeFile(usersFile, JSON.stringify(users));
    stack = await startStack({ speed: 600, policyFile, usersFile });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('plans a group of a declared role with its holders, and counts their vote', async () => {
    const { changeId } = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json', { version: '9.0.0', redeploy: true }));
    const { plan } = await waitForStatus(stack.api, changeId, ['awaiting_approval']);

    await stack.api.decide(changeId, 'approve', 'no new inputs', 'sam');

    expect(plan.approvals.groups).toMatchObject([{ name: 'Security review', roles: ['security'], eligible: ['sam'], required: 1 }]);
    expect((await stack.api.change(changeId)).approvals).toMatchObject([{ approver: 'sam', roles: ['security', 'tech-lead'], decision: 'approve' }]);
    expect((await stack.api.audit({ changeId, type: 'ChangeApproved' }, 'erin')).items).toHaveLength(1);
  });

  it('refuses a users file holding a role the policy does not declare, naming the user and the role', async () => {
    const bad = join(dir, 'bad-users.json');
    await writeFile(bad, JSON.stringify({ users: [{ id: 'olga', name: 'Olga', email: 'olga@example.org', roles: ['operations'] }] }));

    expect(() => readDeploymentConfig({ usersFile: bad, policyFile })).toThrow(/user olga has the unknown role operations/);
    await expect(startStack({ policyFile, usersFile: bad })).rejects.toThrow(/unknown role operations/);
  });

  it('refuses a policy whose approver group names a role it does not declare', async () => {
    const badPolicy = join(dir, 'bad-policy.yaml');
    await writeFile(badPolicy, stringify({ ...POLICY, roles: [] }));

    expect(() => readDeploymentConfig({ policyFile: badPolicy })).toThrow(/rules\.0\.approvals\.0\.roles\.0: unknown role security/);
  });
});
