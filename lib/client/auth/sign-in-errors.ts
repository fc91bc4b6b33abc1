/**
 * A sign-in (or token refresh) that cannot go on, with one sentence saying why and what to do.
 * The CLI prints the message and exits 1 (no stack trace).
 */
export class SignInError extends Error {
  override readonly name = 'SignInError';
}

/** What each Cognito error means to someone at a terminal running `cmv login`. */
const EXPLAINED: Record<string, (message: string) => string> = {
  // With preventUserExistenceErrors (as the CMV app client has) Cognito answers this also for an unknown user.
  NotAuthorizedException: () => 'The username or password is wrong, or the sign-in took too long (Cognito allows 3 minutes per step): run cmv login again.',
  UserNotFoundException: () => 'There is no such user in this user pool: check the username (your CMV user id or e-mail) and --user-pool-id.',
  CodeMismatchException: () => 'The code is wrong: run cmv login again and enter the current 6-digit code of your authenticator app.',
  // VerifySoftwareToken's answer to a wrong first code while MFA is being set up.
  EnableSoftwareTokenMFAException: () =>
    'The code does not match the new authenticator entry: delete that entry, run cmv login again and add the new secret it shows.',
  ExpiredCodeException: () => 'The code has expired or was used already: run cmv login again and enter a fresh code when your app shows one.',
  PasswordResetRequiredException: () =>
    'Your password has to be reset first: ask a CMV administrator for a new temporary password, then run cmv login again with it.',
  InvalidPasswordException: (message) => `The new password does not meet the pool's password policy: ${message.replace(/\.$/, '')}.`,
  ResourceNotFoundException: () =>
    'No such user pool or app client: check --user-pool-id and --client-id (the stack outputs UserPoolId and UserPoolClientId) and --region.',
};

/**
 * The SignInError for an error thrown by a Cognito call of the sign-in, by the error's `name`
 * (the SDK's exception classes carry it): one sentence each for the errors a person can meet,
 * `Cognito refused the sign-in: <name>: <message>.` for any other. A SignInError is returned as is.
 */
export function signInError(err: unknown): SignInError {
  if (err instanceof SignInError) return err;
  const { name, message } = err instanceof Error ? err : new Error(String(err));
  const explain = EXPLAINED[name];
  return new SignInError(explain ? explain(message) : `Cognito refused the sign-in: ${name}: ${message.replace(/\.$/, '')}.`);
}
