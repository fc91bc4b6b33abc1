import { deployRolePolicy } from '../../../lib/deploy-role-policy';
import { LOCAL_AWS } from '../../../lib/local/aws-names';
import { LocalSts } from '../../../lib/local/sts';

const ROLE = 'arn:aws:iam::111122223333:role/cmv-deploy';
const CALLER = 'arn:aws:sts::000000000000:assumed-role/cmv-StartDeployment/fn';
const role = { roleArn: ROLE, statements: deployRolePolicy({ name: 'svc', functionName: 'svc' }, LOCAL_AWS) };
const at = (iso: string) => () => new Date(iso);

describe('LocalSts', () => {
  describe('assumeRole()', () => {
    it('issues credentials of the role, its session named as asked, for DurationSeconds', () => {
      const sts = new LocalSts([role], at('2026-03-02T09:00:00Z'));

      const out = sts.assumeRole(CALLER, { RoleArn: ROLE, RoleSessionName: 'cmv-chg-1', DurationSeconds: 900 });

      expect(out.AssumedRoleUser.Arn).toBe('arn:aws:sts::111122223333:assumed-role/cmv-deploy/cmv-chg-1');
      expect(out.Credentials.Expiration).toEqual(new Date('2026-03-02T09:15:00Z'));
      expect(sts.sessionOf(out.Credentials.AccessKeyId)).toMatchObject({ role: { roleArn: ROLE }, sessionName: 'cmv-chg-1', assumedBy: CALLER });
      expect(sts.assumed).toEqual([{ roleArn: ROLE, sessionName: 'cmv-chg-1', by: CALLER }]);
    });

    it('refuses with AccessDenied, as AWS words it, a role the model does not have', () => {
      const sts = new LocalSts([role]);
      const other = 'arn:aws:iam::111122223333:role/nobody';

      expect(() => sts.assumeRole(CALLER, { RoleArn: other, RoleSessionName: 'cmv-chg-1' })).toThrow(
        expect.objectContaining({ name: 'AccessDenied', message: `User: ${CALLER} is not authorized to perform: sts:AssumeRole on resource: ${other}` }),
      );
      expect(sts.assumed).toEqual([]);
    });

    it("refuses a deleted role, and its sessions' calls from then on", () => {
      const sts = new LocalSts([role]);
      const { Credentials } = sts.assumeRole(CALLER, { RoleArn: ROLE, RoleSessionName: 'cmv-chg-1' });
      sts.deleteRole(ROLE);

      expect(() => sts.assumeRole(CALLER, { RoleArn: ROLE, RoleSessionName: 'cmv-chg-2' })).toThrow(expect.objectContaining({ name: 'AccessDenied' }));
      expect(() => sts.sessionOf(Credentials.AccessKeyId)).toThrow(expect.objectContaining({ name: 'AccessDenied' }));
    });

    it.each([
      ['a session name of 1 character', { RoleSessionName: 'x' }, /roleSessionName/],
      ['a session name of 65 characters', { RoleSessionName: 'x'.repeat(65) }, /roleSessionName/],
      ['a session name with a space', { RoleSessionName: 'cmv chg' }, /roleSessionName/],
      ['DurationSeconds under 900', { DurationSeconds: 899 }, /between 900 and 43200/],
      ['DurationSeconds over 43200', { DurationSeconds: 43_201 }, /between 900 and 43200/],
      ['DurationSeconds over the role’s MaxSessionDuration', { DurationSeconds: 3601 }, /exceeds the MaxSessionDuration set for this role/],
      ['a RoleArn that is no role', { RoleArn: 'arn:aws:iam::111122223333:user/alice' }, /is invalid/],
    ])('refuses with ValidationError %s', (_case, over, message) => {
      const sts = new LocalSts([role]);

      expect(() => sts.assumeRole(CALLER, { RoleArn: ROLE, RoleSessionName: 'cmv-chg-1', ...over })).toThrow(
        expect.objectContaining({ name: 'ValidationError', message: expect.stringMatching(message) }),
      );
    });
  });

  describe('sessionOf()', () => {
    it('refuses credentials once they expired, and ones it never issued', () => {
      let now = new Date('2026-03-02T09:00:00Z');
      const sts = new LocalSts([role], () => now);
      const { Credentials } = sts.assumeRole(CALLER, { RoleArn: ROLE, RoleSessionName: 'cmv-chg-1', DurationSeconds: 900 });
      now = new Date('2026-03-02T09:15:00Z');

      expect(() => sts.sessionOf(Credentials.AccessKeyId)).toThrow(expect.objectContaining({ name: 'ExpiredTokenException' }));
      expect(() => sts.sessionOf('ASIANEVERISSUED')).toThrow(expect.objectContaining({ name: 'AccessDenied' }));
    });
  });
});
