import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { DEPLOY_ROLE_SESSION_SECONDS } from '../core/deploy-role';
import { DeployRoleError } from '../core/errors';
import type { DeployRoles, TargetPorts } from '../core/ports';

/** How one role session's credentials are got: `fromTemporaryCredentials` of @aws-sdk/credential-providers (STS AssumeRole with the function's own credentials). */
export type AssumeRole = (options: {
  readonly params: { readonly RoleArn: string; readonly RoleSessionName: string; readonly DurationSeconds: number };
}) => AwsCredentialIdentityProvider;

/**
 * `fromTemporaryCredentials`, its package loaded when a role is first assumed: a handler acting
 * only on targets in CMV's account never loads it (@aws-sdk/credential-providers pulls in every
 * provider: SSO, Cognito, …).
 */
const fromTemporaryCredentials: AssumeRole = (options) => async () => (await import('@aws-sdk/credential-providers')).fromTemporaryCredentials(options)();

/** Credentials this close to their expiration are got anew (ms): a call signed with them must still reach AWS in time. */
const REFRESH_BEFORE_MS = 5 * 60_000;

/**
 * The credentials of `roleArn`'s session `sessionName` ({@link DEPLOY_ROLE_SESSION_SECONDS} s), got
 * once and shared by every client built on them (each SDK client would otherwise assume the role
 * itself), got again shortly before they expire.
 * @throws DeployRoleError (from the provider, so from the first call of a client on it) when STS
 *   refuses: the message names the role, the session and STS's error (e.g. `AccessDenied: User: … is
 *   not authorized to perform: sts:AssumeRole on resource: …`)
 */
export function assumedRoleCredentials(roleArn: string, sessionName: string, assume: AssumeRole = fromTemporaryCredentials): AwsCredentialIdentityProvider {
  const provider = assume({ params: { RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: DEPLOY_ROLE_SESSION_SECONDS } });
  let current: Promise<AwsCredentialIdentity> | undefined;
  const fresh = (c: AwsCredentialIdentity) => !c.expiration || c.expiration.getTime() - Date.now() > REFRESH_BEFORE_MS;
  return async () => {
    const held = current && (await current.catch(() => undefined));
    if (held && fresh(held)) return held;
    current = provider().catch((err: Error) => {
      throw deployRoleError(roleArn, sessionName, err);
    });
    return current;
  };
}

/** STS's refusal to let CMV assume `roleArn`, as CMV reports it: the role, the session, STS's error name and message. */
export function deployRoleError(roleArn: string, sessionName: string, err: Error): DeployRoleError {
  return new DeployRoleError(`CMV could not assume the deploy role ${roleArn} (session ${sessionName}): ${err.name}: ${err.message}`);
}

/** The target-side ports a handler names, each built on a client with the given credentials (undefined: CMV's own). */
export type TargetPortFactory = (credentials: AwsCredentialIdentityProvider) => TargetPorts;

/** At most this many role sessions are kept (a warm function serves one change after another; each session names its change). */
const MAX_SESSIONS = 32;

/**
 * {@link DeployRoles} in AWS: the ports of each (role, session) built once on
 * {@link assumedRoleCredentials}, so a handler invocation assumes each role once, and a warm
 * function reuses them while they are fresh.
 */
export function assumedRolePorts(portsOn: TargetPortFactory, assume?: AssumeRole): DeployRoles {
  const sessions = new Map<string, TargetPorts>();
  return {
    ports: (roleArn, sessionName) => {
      const key = `${roleArn} ${sessionName}`;
      const existing = sessions.get(key);
      if (existing) return existing;
      if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value as string);
      const ports = portsOn(assumedRoleCredentials(roleArn, sessionName, assume));
      sessions.set(key, ports);
      return ports;
    },
  };
}
