import { NotAuthorizedException } from '@aws-sdk/client-cognito-identity-provider';
import { SignInError, signInError } from '../../../../lib/client/auth/sign-in-errors';

const cognitoError = (name: string, message = 'from Cognito') => Object.assign(new Error(message), { name });

describe('sign-in-errors', () => {
  describe('signInError()', () => {
    it.each([
      ['NotAuthorizedException', /^The username or password is wrong, or the sign-in took too long/],
      ['UserNotFoundException', /^There is no such user in this user pool/],
      ['CodeMismatchException', /^The code is wrong: run cmv login again/],
      ['EnableSoftwareTokenMFAException', /^The code does not match the new authenticator entry/],
      ['ExpiredCodeException', /^The code has expired or was used already/],
      ['PasswordResetRequiredException', /^Your password has to be reset first/],
      ['InvalidPasswordException', /^The new password does not meet the pool's password policy: from Cognito/],
      ['ResourceNotFoundException', /^No such user pool or app client/],
    ])('explains %s in one sentence', (name, sentence) => {
      const err = signInError(cognitoError(name));

      expect(err).toBeInstanceOf(SignInError);
      expect(err.message).toMatch(sentence);
      expect(err.message.trim().split(/(?<=\.)\s+(?=[A-Z])/)).toHaveLength(1);
    });

    it('recognises the SDK exception classes themselves', () => {
      const err = signInError(new NotAuthorizedException({ message: 'Incorrect username or password.', $metadata: {} }));

      expect(err.message).toMatch(/^The username or password is wrong/);
    });

    it('names any other error with its name and message', () => {
      expect(signInError(cognitoError('TooManyRequestsException', 'Rate exceeded')).message).toBe(
        'Cognito refused the sign-in: TooManyRequestsException: Rate exceeded.',
      );
    });

    it('passes a SignInError through unchanged', () => {
      const original = new SignInError('already clear.');

      expect(signInError(original)).toBe(original);
    });
  });
});
