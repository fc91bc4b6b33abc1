import { deployRoleError } from '../../lambdas/adapters/assumed-role';
import type { AwsClient } from '../../lambdas/adapters/aws-client';
import { DEPLOY_ROLE_SESSION_SECONDS } from '../../lambdas/core/deploy-role';
import type { DeployRoles, TargetPorts } from '../../lambdas/core/ports';
import type { LocalRoleSession, LocalSts } from './sts';

/** The stand-ins a deploy role's calls go to, as that role's session (its IAM check applied). */
export type SessionClients = (session: LocalRoleSession) => { readonly functions: AwsClient; readonly alarms: AwsClient; readonly metrics: AwsClient };

/** What {@link localDeployRoles} needs of the runtime. */
export interface LocalDeployRolesOptions {
  readonly sts: LocalSts;
  /** The caller's principal (its handler role's session ARN), as STS names it in an AccessDenied. */
  readonly caller: string;
  /** The IAM check of the caller's own policy on sts:AssumeRole (the handler's role; none for the runtime's own calls). */
  readonly authorize?: (input: Record<string, unknown>) => Promise<void>;
  /** The clients of a session: the stand-ins, each call authorized as that session's role. */
  readonly clientsOf: SessionClients;
  /** The target-side ports on those clients (`targetPortsOn` of the handler's ports). */
  readonly portsOn: (clients: { functions: AwsClient; alarms: AwsClient; metrics: AwsClient }) => TargetPorts;
}

/**
 * {@link DeployRoles} locally, as in AWS: on first use, AssumeRole (the caller's policy checked, then
 * the local STS), once per role and session; each call then carries the session's credentials, which
 * the stand-ins attribute to the role through the STS (ExpiredTokenException once they expired: the
 * role is assumed again, as the SDK's credential provider does). A refusal fails the call with
 * DeployRoleError, as the AWS adapter does.
 */
export function localDeployRoles(options: LocalDeployRolesOptions): DeployRoles {
  const sessions = new Map<string, TargetPorts>();
  return {
    ports: (roleArn, sessionName) => {
      const key = `${roleArn} ${sessionName}`;
      const existing = sessions.get(key);
      if (existing) return existing;
      let credentials: Promise<string> | undefined;
      const assume = (): Promise<string> => {
        credentials ??= (async () => {
          const input = { RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: DEPLOY_ROLE_SESSION_SECONDS };
          await options.authorize?.(input);
          return options.sts.assumeRole(options.caller, input).Credentials.AccessKeyId;
        })().catch((err: Error) => {
          credentials = undefined;
          throw deployRoleError(roleArn, sessionName, err);
        });
        return credentials;
      };
      const sessionOf = async (): Promise<LocalRoleSession> => {
        const key = await assume();
        try {
          return options.sts.sessionOf(key);
        } catch (err) {
          if ((err as Error).name !== 'ExpiredTokenException') throw deployRoleError(roleArn, sessionName, err as Error);
          credentials = undefined;
          return options.sts.sessionOf(await assume());
        }
      };
      const as = (service: 'functions' | 'alarms' | 'metrics'): AwsClient => ({
        send: async (command) => options.clientsOf(await sessionOf())[service].send(command),
      });
      const ports = options.portsOn({ functions: as('functions'), alarms: as('alarms'), metrics: as('metrics') });
      sessions.set(key, ports);
      return ports;
    },
  };
}
