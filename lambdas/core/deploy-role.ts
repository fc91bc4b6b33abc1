/**
 * What CMV asks of STS when it assumes a target's deploy role (STS API Reference, AssumeRole):
 * the session's name and length. Pure, shared by the AWS adapter and the local STS stand-in.
 */

/** AssumeRole's RoleSessionName: 2–64 characters of `[\w+=,.@-]`. */
export const ROLE_SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/**
 * The session's length, in s: AssumeRole's minimum (900; at most 43,200 and the role's maximum
 * session duration, 3,600 by default). A handler runs at most 15 min, and the credential provider
 * assumes the role again when they expire.
 */
export const DEPLOY_ROLE_SESSION_SECONDS = 900;

/**
 * The RoleSessionName of CMV acting on a target: `cmv-<label>` (a change id, or `<purpose>-<target>`),
 * characters outside `[\w+=,.@-]` replaced by `-`, cut to 64. The target account's CloudTrail shows
 * it as the session of each call (`assumed-role/<role>/<session>`), so a call there names the change.
 */
export function roleSessionName(label: string): string {
  return `cmv-${label}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}
