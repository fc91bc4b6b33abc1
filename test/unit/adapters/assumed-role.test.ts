import { GetAliasCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { AwsCredentialIdentity } from '@smithy/types';
import { type AssumeRole, assumedRoleCredentials, assumedRolePorts } from '../../../lambdas/adapters/assumed-role';
import { DeployRoleError } from '../../../lambdas/core/errors';
import { FakeAlarms, FakeFunctionHost } from '../../fixtures/fakes';

const ROLE = 'arn:aws:iam::111122223333:role/cmv-deploy';
const inMinutes = (m: number) => new Date(Date.now() + m * 60_000);

/** An AssumeRole that answers `answers` in turn (the last one again), recording each request. */
function fakeSts(...answers: (AwsCredentialIdentity | Error)[]) {
  const calls: unknown[] = [];
  const assume: AssumeRole = (options) => async () => {
    calls.push(options.params);
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)];
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { assume, calls };
}
const creds = (key: string, expiration = inMinutes(15)): AwsCredentialIdentity => ({ accessKeyId: key, secretAccessKey: 's', sessionToken: 't', expiration });

describe('assumed-role', () => {
  describe('assumedRoleCredentials()', () => {
    it('assumes the role with the session name and 900 s, once for every call while the credentials are fresh', async () => {
      const sts = fakeSts(creds('ASIA1'));
      const provider = assumedRoleCredentials(ROLE, 'cmv-chg-1', sts.assume);

      const [a, b] = await Promise.all([provider(), provider()]);
      const c = await provider();

      expect([a.accessKeyId, b.accessKeyId, c.accessKeyId]).toEqual(['ASIA1', 'ASIA1', 'ASIA1']);
      expect(sts.calls).toEqual([{ RoleArn: ROLE, RoleSessionName: 'cmv-chg-1', DurationSeconds: 900 }]);
    });

    it('assumes the role again when the credentials are about to expire', async () => {
      const sts = fakeSts(creds('ASIA1', inMinutes(2)), creds('ASIA2'));
      const provider = assumedRoleCredentials(ROLE, 'cmv-chg-1', sts.assume);

      await provider();
      const again = await provider();

      expect(again.accessKeyId).toBe('ASIA2');
      expect(sts.calls).toHaveLength(2);
    });

    it("fails a client's call with DeployRoleError naming the role, the session and STS's refusal", async () => {
      const refusal = Object.assign(
        new Error(`User: arn:aws:sts::000000000000:assumed-role/cmv/fn is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`),
        {
          name: 'AccessDenied',
        },
      );
      const lambda = new LambdaClient({ region: 'eu-west-1', credentials: assumedRoleCredentials(ROLE, 'cmv-chg-1', fakeSts(refusal).assume) });

      const call = lambda.send(new GetAliasCommand({ FunctionName: 'fn', Name: 'live' }));

      await expect(call).rejects.toThrow(DeployRoleError);
      await expect(call).rejects.toThrow(`CMV could not assume the deploy role ${ROLE} (session cmv-chg-1): AccessDenied: User: arn:aws:sts::000000000000`);
    });

    it('asks STS again after a refusal', async () => {
      const sts = fakeSts(new Error('throttled'), creds('ASIA1'));
      const provider = assumedRoleCredentials(ROLE, 'cmv-chg-1', sts.assume);

      await expect(provider()).rejects.toThrow(DeployRoleError);

      expect((await provider()).accessKeyId).toBe('ASIA1');
    });
  });

  describe('assumedRolePorts()', () => {
    it('builds the ports of each role and session once, on that session’s credentials', async () => {
      const sts = fakeSts(creds('ASIA1'));
      const built: string[] = [];
      const tracking = assumedRolePorts((credentials) => {
        built.push(typeof credentials);
        return { functions: new FakeFunctionHost(), alarms: new FakeAlarms() };
      }, sts.assume);

      const first = tracking.ports(ROLE, 'cmv-chg-1');
      const again = tracking.ports(ROLE, 'cmv-chg-1');
      const other = tracking.ports(ROLE, 'cmv-chg-2');

      expect(again).toBe(first);
      expect(other).not.toBe(first);
      expect(built).toEqual(['function', 'function']);
    });

    it('passes the clients credentials of the role session', async () => {
      const sts = fakeSts(creds('ASIA7'));
      let seen: AwsCredentialIdentity | undefined;
      const roles = assumedRolePorts((credentials) => {
        const functions = new FakeFunctionHost();
        functions.listVersions = async () => {
          seen = await credentials();
          return [];
        };
        return { functions, alarms: new FakeAlarms() };
      }, sts.assume);

      await roles.ports(ROLE, 'cmv-chg-1').functions.listVersions('fn');

      expect(seen?.accessKeyId).toBe('ASIA7');
      expect(sts.calls).toEqual([{ RoleArn: ROLE, RoleSessionName: 'cmv-chg-1', DurationSeconds: 900 }]);
    });
  });
});
