import { userPoolClientRef } from '../../../../lib/client/auth/user-pool-ref';

describe('user-pool-ref', () => {
  describe('userPoolClientRef()', () => {
    it("takes the region from the pool id's prefix, where Cognito puts it (not from AWS_REGION)", () => {
      const saved = process.env.AWS_REGION;
      process.env.AWS_REGION = 'us-east-1';
      try {
        expect(userPoolClientRef({ userPoolId: 'eu-central-1_AbC123', clientId: 'c' })).toEqual({
          userPoolId: 'eu-central-1_AbC123',
          clientId: 'c',
          region: 'eu-central-1',
        });
      } finally {
        if (saved === undefined) delete process.env.AWS_REGION;
        else process.env.AWS_REGION = saved;
      }
    });

    it('lets --region override the prefix', () => {
      expect(userPoolClientRef({ userPoolId: 'eu-central-1_AbC123', clientId: 'c', region: 'eu-west-1' }).region).toBe('eu-west-1');
    });

    it('trims what was pasted', () => {
      expect(userPoolClientRef({ userPoolId: ' eu-central-1_AbC123\n', clientId: ' c ' })).toMatchObject({ userPoolId: 'eu-central-1_AbC123', clientId: 'c' });
    });

    it.each(['AbC123', 'eu-central-1-AbC123', 'eu-central-1_', 'arn:aws:cognito-idp:eu-central-1:1:userpool/eu-central-1_AbC123'])(
      'rejects the pool id %j, saying what one looks like',
      (userPoolId) => {
        expect(() => userPoolClientRef({ userPoolId, clientId: 'c' })).toThrow(
          `--user-pool-id must be a user pool id such as eu-west-1_AbCdEf123 (the stack output UserPoolId); got ${JSON.stringify(userPoolId)}.`,
        );
      },
    );

    it('rejects an empty client id', () => {
      expect(() => userPoolClientRef({ userPoolId: 'eu-central-1_AbC123', clientId: ' ' })).toThrow(/--client-id/);
    });
  });
});
