import { SignInError } from '../../../../lib/client/auth/sign-in-errors';
import { nextStep, otpauthUri, totpCode } from '../../../../lib/client/auth/sign-in-steps';

describe('sign-in-steps', () => {
  describe('nextStep()', () => {
    it('answers PASSWORD_VERIFIER as the USER_ID_FOR_SRP Cognito names (the username, also when signing in by e-mail)', () => {
      const step = nextStep(
        { ChallengeName: 'PASSWORD_VERIFIER', ChallengeParameters: { USER_ID_FOR_SRP: 'alice', SRP_B: 'ab', SALT: 'cd', SECRET_BLOCK: 'ZQ==' } },
        'alice@example.org',
      );

      expect(step).toEqual({ kind: 'password-verifier', username: 'alice' });
    });

    it('asks for a new password, and for the required attributes Cognito lists, on NEW_PASSWORD_REQUIRED', () => {
      const step = nextStep(
        {
          ChallengeName: 'NEW_PASSWORD_REQUIRED',
          Session: 's',
          ChallengeParameters: { USER_ID_FOR_SRP: 'alice', requiredAttributes: '["userAttributes.name"]', userAttributes: '{"email":"a@example.org"}' },
        },
        'alice',
      );

      expect(step).toEqual({ kind: 'new-password', username: 'alice', requiredAttributes: ['name'] });
    });

    it('keeps the known username when a challenge does not name the user', () => {
      expect(nextStep({ ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 's', ChallengeParameters: {} }, 'alice')).toEqual({ kind: 'totp', username: 'alice' });
      expect(nextStep({ ChallengeName: 'MFA_SETUP', Session: 's', ChallengeParameters: { MFAS_CAN_SETUP: '["SOFTWARE_TOKEN_MFA"]' } }, 'alice')).toEqual({
        kind: 'mfa-setup',
        username: 'alice',
      });
    });

    it('returns the tokens when Cognito answers with an AuthenticationResult', () => {
      const step = nextStep({ AuthenticationResult: { IdToken: 'id', AccessToken: 'access', RefreshToken: 'refresh', ExpiresIn: 3600 } }, 'alice');

      expect(step).toEqual({ kind: 'signed-in', tokens: { idToken: 'id', refreshToken: 'refresh' } });
    });

    it('rejects a result without an ID token or a refresh token', () => {
      expect(() => nextStep({ AuthenticationResult: { AccessToken: 'access', RefreshToken: 'refresh' } }, 'alice')).toThrow(SignInError);
      expect(() => nextStep({ AuthenticationResult: { IdToken: 'id' } }, 'alice')).toThrow(/refresh token/);
    });

    it('rejects MFA_SETUP when the pool does not offer TOTP', () => {
      expect(() => nextStep({ ChallengeName: 'MFA_SETUP', Session: 's', ChallengeParameters: { MFAS_CAN_SETUP: '["SMS_MFA"]' } }, 'alice')).toThrow(
        /authenticator app \(TOTP\).*SMS_MFA/,
      );
    });

    it.each(['SMS_MFA', 'SELECT_MFA_TYPE', 'CUSTOM_CHALLENGE', 'EMAIL_OTP'])('rejects the challenge %s, naming it', (name) => {
      expect(() => nextStep({ ChallengeName: name, Session: 's', ChallengeParameters: {} }, 'alice')).toThrow(
        new SignInError(`Cognito asks for ${name}, which cmv login does not answer: the CMV user pool signs in with a password and a TOTP code only.`),
      );
    });

    it('rejects an answer with neither a challenge nor tokens', () => {
      expect(() => nextStep({}, 'alice')).toThrow(SignInError);
    });
  });

  describe('otpauthUri()', () => {
    it('is a Key URI an authenticator app reads: issuer and account in the label, the base32 secret and the issuer as parameters', () => {
      expect(otpauthUri('alice', 'JBSWY3DPEHPK3PXP')).toBe('otpauth://totp/CMV:alice?secret=JBSWY3DPEHPK3PXP&issuer=CMV');
    });

    it('encodes an account with characters of its own (an e-mail address)', () => {
      expect(otpauthUri('a b@example.org', 'S')).toBe('otpauth://totp/CMV:a%20b%40example.org?secret=S&issuer=CMV');
    });
  });

  describe('totpCode()', () => {
    it('accepts six digits, also typed with spaces as apps show them', () => {
      expect(totpCode('123456')).toBe('123456');
      expect(totpCode(' 123 456 ')).toBe('123456');
    });

    it.each(['12345', '1234567', 'abcdef', ''])('refuses %j', (input) => {
      expect(totpCode(input)).toBeUndefined();
    });
  });
});
