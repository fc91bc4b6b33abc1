import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../lib/client/api-client';
import { loadRolePolicies } from '../../lib/local/iam/policy-cache';
import type { RolePolicies } from '../../lib/local/iam/role-policies';
import { ROOT } from '../../lib/local/runtime';
import { approveByBob, EXAMPLE, exampleChange, executionEnded, type Stack, startStack, TARGET, waitForStatus } from './local-stack';

const SHIFT_TRAFFIC = 'lambdas/handlers/workflow/shift-traffic.ts';
const GET_TARGET = 'lambdas/handlers/api/get-target.ts';
const FUNCTION_ARN = `arn:aws:lambda:local:000000000000:function:${TARGET}`;

/** The policies of the synthesized stack, less `action` in the role of `entry`: a grant someone forgot. */
function without(policies: RolePolicies, entry: string, action: string): RolePolicies {
  const role = policies.roles[entry];
  const statements = role.statements.map((s) => ({ ...s, Action: [s.Action ?? []].flat().filter((a) => a !== action) })).filter((s) => s.Action.length > 0);
  return { ...policies, roles: { ...policies.roles, [entry]: { ...role, statements } } };
}

const denialMessage = (action: string) =>
  new RegExp(
    `^User: arn:aws:sts::000000000000:assumed-role/cmv-[A-Za-z0-9]+/cmv-[A-Za-z0-9]+ is not authorized to perform: ${action} on resource: ${FUNCTION_ARN} because no identity-based policy allows the ${action} action$`,
  );

describe('IAM check (local stack)', () => {
  let stack: Stack;
  let dir: string;

  beforeAll(async () => {
    // GIVEN the synthesized stack's role policies, with lambda:UpdateAlias missing from ShiftTraffic's role and lambda:GetAlias from GET /targets/{t}'s
    dir = await mkdtemp(join(tmpdir(), 'cmv-iam-'));
    const policies = await loadRolePolicies(ROOT, [join(EXAMPLE, 'target.json')]);
    const policiesFile = join(dir, 'policies.json');
    await writeFile(policiesFile, JSON.stringify(without(without(policies, SHIFT_TRAFFIC, 'lambda:UpdateAlias'), GET_TARGET, 'lambda:GetAlias')));
    stack = await startStack({ iam: { mode: 'enforce', policiesFile } });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses an API handler a call its role lacks, with the AccessDeniedException AWS sends (the API answers 500)', async () => {
    // WHEN someone reads the target, whose handler reads the alias
    const read = stack.api.target(TARGET);

    // THEN Lambda refused GetAlias to that handler's role, as it would in AWS
    await expect(read).rejects.toMatchObject({ status: 500 });
    await expect(read).rejects.toBeInstanceOf(ApiError);
    expect(stack.runtime.iam?.denials).toContainEqual(
      expect.objectContaining({
        entry: GET_TARGET,
        action: 'lambda:GetAlias',
        resource: FUNCTION_ARN,
        reported: false,
        message: expect.stringMatching(denialMessage('lambda:GetAlias')),
      }),
    );
  });

  it('rolls back a change whose traffic shift its role may not make: the workflow task gets AccessDeniedException, as on AWS', async () => {
    // GIVEN a change approved for deployment
    const { changeId } = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json'));
    await approveByBob(stack, changeId);

    // WHEN the canary's first shift moves the alias
    const change = await waitForStatus(stack.api, changeId, ['failed', 'deployed', 'rolled_back'], 120_000);

    // THEN UpdateAlias was denied to ShiftTraffic's role and the deployment failed with AWS's error and was rolled back …
    expect(change.status).toBe('rolled_back');
    expect(change.reason).toMatch(
      /^deployment step failed: AccessDeniedException: User: \S+ is not authorized to perform: lambda:UpdateAlias on resource: arn:aws:lambda:local:000000000000:function:benefit-calculator because/,
    );
    expect(stack.runtime.iam?.denials).toContainEqual(
      expect.objectContaining({ entry: SHIFT_TRAFFIC, action: 'lambda:UpdateAlias', message: expect.stringMatching(denialMessage('lambda:UpdateAlias')) }),
    );
    // … and once the workflow has ended (the rollback task syncs the alias after its record commits: the status shows
    // first), the alias serves the old version alone — whatever the reconciler, with a role of its own, did meanwhile
    // with the shift the record holds.
    await executionEnded(stack, changeId);
    const alias = await stack.runtime.services.functions.getAlias(TARGET, 'live');
    expect(alias.additionalVersion).toBeUndefined();
  }, 180_000);
});
