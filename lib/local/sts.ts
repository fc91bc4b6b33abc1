import { randomBytes } from 'node:crypto';
import { ROLE_SESSION_NAME } from '../../lambdas/core/deploy-role';
import type { Statement } from './iam/evaluate';

/** A role of a target account in the local model: its ARN, its permissions and its longest session. */
export interface LocalDeployRole {
  readonly roleArn: string;
  /** Its identity policy: what calls made with its credentials may do (lib/deploy-role-policy.ts). */
  readonly statements: readonly Statement[];
  /** IAM's MaxSessionDuration, in s (3,600–43,200). @default 3600 */
  readonly maxSessionSeconds?: number;
}

/** AssumeRole's request, as the STS API Reference names its fields. */
export interface AssumeRoleInput {
  readonly RoleArn: string;
  readonly RoleSessionName: string;
  /** In s: 900 to the role's MaxSessionDuration (at most 43,200). @default 3600 */
  readonly DurationSeconds?: number;
}

/** AssumeRole's answer: the temporary credentials and who they are. */
export interface AssumeRoleOutput {
  readonly Credentials: { readonly AccessKeyId: string; readonly SecretAccessKey: string; readonly SessionToken: string; readonly Expiration: Date };
  readonly AssumedRoleUser: { readonly AssumedRoleId: string; readonly Arn: string };
}

/** A session STS issued: the role its credentials act as, until `expiration`. */
export interface LocalRoleSession {
  readonly role: LocalDeployRole;
  readonly roleName: string;
  readonly sessionName: string;
  /** `arn:aws:sts::<account>:assumed-role/<role name>/<session>`: the caller AWS names in an AccessDenied. */
  readonly principalArn: string;
  readonly expiration: Date;
  /** Who assumed it (the handler role's session ARN). */
  readonly assumedBy: string;
}

const ROLE_ARN = /^arn:(aws[\w-]*):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

/** STS's errors: `name` is the error code, HTTP 400 (ValidationError), 403 (AccessDenied) or 400 (ExpiredTokenException). */
function stsError(name: 'AccessDenied' | 'ValidationError' | 'ExpiredTokenException', message: string, status: number): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: status } });
}

/**
 * The local STS: AssumeRole of the deploy roles of the local model's target accounts, as AWS answers
 * it (STS API Reference, AssumeRole): RoleSessionName 2–64 of `[\w+=,.@-]`, DurationSeconds 900–43,200
 * and at most the role's MaxSessionDuration (ValidationError otherwise); a role the model does not
 * have is refused with AccessDenied and the message AWS gives for a role the caller may not assume
 * (AWS does not tell a missing role from one that does not trust the caller). Whether the caller's
 * own policy allows sts:AssumeRole on the role is the local IAM check's, before this runs. The
 * credentials it issues are attributed back to their role by {@link sessionOf}: the local IAM check
 * authorizes each call made with them against that role's policy.
 */
export class LocalSts {
  /** Every AssumeRole it granted, in order. */
  readonly assumed: { readonly roleArn: string; readonly sessionName: string; readonly by: string }[] = [];
  private readonly roles = new Map<string, LocalDeployRole>();
  private readonly sessions = new Map<string, LocalRoleSession>();

  constructor(
    roles: readonly LocalDeployRole[],
    private readonly now: () => Date = () => new Date(),
  ) {
    for (const role of roles) this.roles.set(role.roleArn, role);
  }

  /**
   * AssumeRole by `caller` (the principal ARN AWS would name, e.g. `arn:aws:sts::000000000000:assumed-role/<role>/<function>`).
   * @throws ValidationError on a RoleArn, RoleSessionName or DurationSeconds AWS refuses
   * @throws AccessDenied when the model has no such role
   */
  assumeRole(caller: string, input: AssumeRoleInput): AssumeRoleOutput {
    const arn = ROLE_ARN.exec(input.RoleArn);
    if (input.RoleArn.length < 20 || input.RoleArn.length > 2048 || !arn) {
      throw stsError('ValidationError', `${input.RoleArn} is invalid`, 400);
    }
    if (!ROLE_SESSION_NAME.test(input.RoleSessionName)) {
      throw stsError(
        'ValidationError',
        `1 validation error detected: Value '${input.RoleSessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64`,
        400,
      );
    }
    const duration = input.DurationSeconds ?? 3600;
    if (!Number.isInteger(duration) || duration < 900 || duration > 43_200) {
      throw stsError(
        'ValidationError',
        `1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`,
        400,
      );
    }
    const role = this.roles.get(input.RoleArn);
    if (!role) throw stsError('AccessDenied', `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`, 403);
    if (duration > (role.maxSessionSeconds ?? 3600)) {
      throw stsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.', 400);
    }
    const [, partition, account, roleName] = arn;
    const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const expiration = new Date(this.now().getTime() + duration * 1000);
    const principalArn = `arn:${partition}:sts::${account}:assumed-role/${roleName}/${input.RoleSessionName}`;
    this.sessions.set(accessKeyId, { role, roleName, sessionName: input.RoleSessionName, principalArn, expiration, assumedBy: caller });
    this.assumed.push({ roleArn: role.roleArn, sessionName: input.RoleSessionName, by: caller });
    return {
      Credentials: {
        AccessKeyId: accessKeyId,
        SecretAccessKey: randomBytes(20).toString('base64'),
        SessionToken: randomBytes(32).toString('base64'),
        Expiration: expiration,
      },
      AssumedRoleUser: { AssumedRoleId: `AROA${randomBytes(8).toString('hex').toUpperCase()}:${input.RoleSessionName}`, Arn: principalArn },
    };
  }

  /** Deletes a role from the model, as IAM DeleteRole in its account: AssumeRole of it is refused from then on. */
  deleteRole(roleArn: string): void {
    this.roles.delete(roleArn);
  }

  /**
   * The session whose credentials these are, as a service attributes a signed request to its caller.
   * @throws ExpiredTokenException when they expired, AccessDenied when STS never issued them or their role was deleted since (its policies are gone)
   */
  sessionOf(accessKeyId: string): LocalRoleSession {
    const session = this.sessions.get(accessKeyId);
    if (!session) throw stsError('AccessDenied', 'The security token included in the request is invalid.', 403);
    if (!this.roles.has(session.role.roleArn)) {
      throw stsError(
        'AccessDenied',
        `User: ${session.principalArn} is not authorized to perform this action: its role ${session.role.roleArn} no longer exists`,
        403,
      );
    }
    if (session.expiration.getTime() <= this.now().getTime())
      throw stsError('ExpiredTokenException', 'The security token included in the request is expired', 400);
    return session;
  }
}
