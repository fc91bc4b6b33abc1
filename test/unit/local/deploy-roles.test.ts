import { GetAliasCommand } from '@aws-sdk/client-lambda';
import type { AwsClient } from '../../../lambdas/adapters/aws-client';
import { LambdaFunctionHost } from '../../../lambdas/adapters/lambda-functions';
import { DeployRoleError } from '../../../lambdas/core/errors';
import { deployRolePolicy } from '../../../lib/deploy-role-policy';
import { LOCAL_AWS } from '../../../lib/local/aws-names';
import { localDeployRoles } from '../../../lib/local/deploy-roles';
import { IamCheck } from '../../../lib/local/iam/iam-check';
import type { RolePolicies } from '../../../lib/local/iam/role-policies';
import { LocalSts } from '../../../lib/local/sts';
import { FakeAlarms } from '../../fixtures/fakes';

const ENTRY = 'lambdas/handlers/workflow/shift-traffic.ts';
const PRINCIPAL = 'arn:aws:sts::000000000000:assumed-role/cmv-ShiftTrafficRole/cmv-ShiftTrafficFunction';
const ROLE_A = 'arn:aws:iam::111122223333:role/cmv-deploy';
const ROLE_B = 'arn:aws:iam::444455556666:role/cmv-deploy';
const NOT_GRANTED = 'arn:aws:iam::777788889999:role/cmv-deploy';

/** The shift-traffic handler may assume both roles; role A may act on function `a`, role B on `b`. */
function arrange() {
  const policies: RolePolicies = {
    targetFiles: [],
    keys: {},
    roles: {
      [ENTRY]: {
        entry: ENTRY,
        roleName: 'cmv-ShiftTrafficRole',
        roleArn: 'arn:aws:iam::000000000000:role/cmv-ShiftTrafficRole',
        principalArn: PRINCIPAL,
        statements: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [ROLE_A, ROLE_B] }],
      },
    },
  };
  const iam = new IamCheck(policies, { mode: 'enforce', lookups: { deploymentGroupOf: async () => undefined, stateMachineOfTaskToken: async () => '' } });
  const sts = new LocalSts([
    { roleArn: ROLE_A, statements: deployRolePolicy({ name: 'a', functionName: 'a' }, LOCAL_AWS) },
    { roleArn: ROLE_B, statements: deployRolePolicy({ name: 'b', functionName: 'b' }, LOCAL_AWS) },
    { roleArn: NOT_GRANTED, statements: deployRolePolicy({ name: 'c', functionName: 'c' }, LOCAL_AWS) },
  ]);
  const lambda = { send: jest.fn(async (_command: unknown) => ({ FunctionVersion: '1', RevisionId: 'r' })) };
  const client = lambda as unknown as AwsClient;
  const roles = localDeployRoles({
    sts,
    caller: PRINCIPAL,
    authorize: (input) => iam.authorize(iam.role(ENTRY), 'sts', 'AssumeRole', input),
    clientsOf: (session) => ({ functions: iam.sessionClient(session, 'lambda', client), alarms: client, metrics: client }),
    portsOn: (clients) => ({ functions: new LambdaFunctionHost(clients.functions), alarms: new FakeAlarms() }),
  });
  return { iam, sts, lambda, roles };
}

describe('localDeployRoles()', () => {
  it("assumes the role once and makes the calls as its session, which the role's policy allows", async () => {
    const { roles, sts, iam, lambda } = arrange();
    const { functions } = roles.ports(ROLE_A, 'cmv-chg-1');

    await functions.getAlias('a', 'live');
    await functions.getAlias('a', 'live');

    expect(sts.assumed).toEqual([{ roleArn: ROLE_A, sessionName: 'cmv-chg-1', by: PRINCIPAL }]);
    expect(iam.sessionCalls.map((c) => [c.principalArn, c.operation])).toEqual([
      ['arn:aws:sts::111122223333:assumed-role/cmv-deploy/cmv-chg-1', 'lambda:GetAlias'],
      ['arn:aws:sts::111122223333:assumed-role/cmv-deploy/cmv-chg-1', 'lambda:GetAlias'],
    ]);
    expect(lambda.send).toHaveBeenCalledWith(expect.any(GetAliasCommand));
  });

  it("refuses a call on another target's function made with a role's credentials, naming the session as AWS does", async () => {
    const { roles, lambda } = arrange();
    const { functions } = roles.ports(ROLE_A, 'cmv-chg-1');

    await expect(functions.getAlias('b', 'live')).rejects.toThrow(
      'User: arn:aws:sts::111122223333:assumed-role/cmv-deploy/cmv-chg-1 is not authorized to perform: lambda:GetAlias on resource: arn:aws:lambda:local:000000000000:function:b',
    );
    expect(lambda.send).not.toHaveBeenCalled();
  });

  it("fails with DeployRoleError when the handler's role may not assume the role, and STS is never asked", async () => {
    const { roles, sts } = arrange();

    await expect(roles.ports(NOT_GRANTED, 'cmv-chg-1').functions.getAlias('c', 'live')).rejects.toThrow(DeployRoleError);
    await expect(roles.ports(NOT_GRANTED, 'cmv-chg-1').functions.getAlias('c', 'live')).rejects.toThrow(
      `AccessDenied: User: ${PRINCIPAL} is not authorized to perform: sts:AssumeRole on resource: ${NOT_GRANTED}`,
    );
    expect(sts.assumed).toEqual([]);
  });
});
