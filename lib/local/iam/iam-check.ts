import { LOCAL_AWS } from '../aws-names';
import type { LocalRoleSession } from '../sts';
import { AUTHORIZATIONS, operationOf, type ResourceLookups } from './authorizations';
import { type Decision, evaluate, type IamRequest } from './evaluate';
import type { HandlerRole, RolePolicies } from './role-policies';

/** `enforce`: a call its role does not allow fails as on AWS; `report`: it is recorded and logged, and goes through. */
export type IamMode = 'enforce' | 'report';

/** A call a handler's role does not allow. */
export interface Denial {
  /** The handler module, e.g. `lambdas/handlers/workflow/run-smoke-tests.ts`. */
  readonly entry: string;
  readonly action: string;
  readonly resource: string;
  /** The message AWS sends with the error. */
  readonly message: string;
  /** Whether it went through anyway (report mode, or a tolerated known defect). */
  readonly reported: boolean;
}

/** The error code each service answers an unauthorized call with (HTTP 403). */
const ERROR_NAMES: Readonly<Record<string, string>> = {
  s3: 'AccessDenied',
  sns: 'AuthorizationError',
  cloudwatch: 'AccessDenied',
  sts: 'AccessDenied',
};

/** The message AWS sends for a denied call, e.g. `User: arn:aws:sts::…:assumed-role/R/F is not authorized to perform: lambda:UpdateAlias on resource: arn:… because no identity-based policy allows the lambda:UpdateAlias action`. */
export function accessDeniedMessage(principalArn: string, request: Pick<IamRequest, 'action' | 'resource'>, decision: Decision): string {
  const on = request.resource === '*' ? '' : ` on resource: ${request.resource}`;
  const why =
    decision.effect === 'explicit-deny'
      ? 'with an explicit deny in an identity-based policy'
      : `because no identity-based policy allows the ${request.action} action`;
  return `User: ${principalArn} is not authorized to perform: ${request.action}${on} ${why}`;
}

/** Options of an {@link IamCheck}. */
export interface IamCheckOptions {
  readonly mode: IamMode;
  /** What the stand-ins know (deployment groups, task tokens); the keys come from the policies. */
  readonly lookups: Omit<ResourceLookups, 'keyOf'>;
  /**
   * Denials that go through even when enforcing, each reported: known grant defects awaiting their fix (see the integration
   * suite's local stack). @default - none
   */
  readonly tolerate?: (denial: Omit<Denial, 'reported' | 'message'>) => boolean;
  readonly log?: (line: string) => void;
}

/**
 * The local runtime's IAM: every AWS call a handler makes through a client from {@link client} is
 * authorized against that handler's role policy in the synthesized template — the IAM action and
 * resource ARN(s) as AWS builds them (`AUTHORIZATIONS`), evaluated by {@link evaluate} — and fails
 * with the error AWS would send when the role does not allow it.
 */
export class IamCheck {
  /** Every denied call so far, in order. */
  readonly denials: Denial[] = [];
  /** Every call made with an assumed role's credentials that its policy allowed ({@link sessionClient}), in order. */
  readonly sessionCalls: { readonly principalArn: string; readonly operation: string; readonly input: Record<string, unknown> }[] = [];

  constructor(
    readonly policies: RolePolicies,
    private readonly options: IamCheckOptions,
  ) {}

  /**
   * The role of a handler module.
   * @throws Error when the synthesized stack has no function for it (a handler the stack does not deploy has no permissions)
   */
  role(entry: string): HandlerRole {
    const role = this.policies.roles[entry];
    if (!role) throw new Error(`the synthesized stack has no function running ${entry}: it could make no AWS call in AWS`);
    return role;
  }

  /**
   * A client for `entry`'s handler: `send` authorizes each command as `service` (the IAM prefix:
   * lambda, dynamodb, s3, sns, states, cloudwatch, codedeploy, events, secretsmanager) before the
   * client runs it.
   */
  client<C extends { send(command: never): Promise<unknown> }>(entry: string, service: string, client: C): C {
    return this.clientAs(this.role(entry), service, client);
  }

  /**
   * A client whose calls carry the credentials of an assumed role's session (lib/local/sts.ts): each
   * is authorized against that role's policy, as AWS attributes a signed request to the session its
   * credentials belong to — not to the handler that assumed it. Each call is recorded in {@link sessionCalls}.
   */
  sessionClient<C extends { send(command: never): Promise<unknown> }>(session: LocalRoleSession, service: string, client: C): C {
    const role: HandlerRole = {
      entry: `${session.principalArn} (assumed by ${session.assumedBy})`,
      roleName: session.roleName,
      roleArn: session.role.roleArn,
      principalArn: session.principalArn,
      statements: session.role.statements,
    };
    const recording = {
      send: (command: { input?: Record<string, unknown> }) => {
        this.sessionCalls.push({ principalArn: session.principalArn, operation: `${service}:${operationOf(command)}`, input: command.input ?? {} });
        return (client.send as (c: unknown) => Promise<unknown>)(command);
      },
    };
    return this.clientAs(role, service, recording as unknown as C);
  }

  private clientAs<C extends { send(command: never): Promise<unknown> }>(role: HandlerRole, service: string, client: C): C {
    return new Proxy(client, {
      get: (target, key, receiver) => {
        if (key !== 'send') return Reflect.get(target, key, receiver);
        return async (command: { input?: Record<string, unknown> }) => {
          await this.authorize(role, service, operationOf(command), command.input ?? {});
          return (target.send as (c: unknown) => Promise<unknown>)(command);
        };
      },
    });
  }

  /**
   * Authorizes one call of `entry`'s handler.
   * @throws the service's access-denied error (name e.g. `AccessDeniedException`, `$metadata.httpStatusCode` 403) when enforcing and the role does not allow it
   * @throws Error when the operation has no entry in AUTHORIZATIONS (fail closed)
   */
  async authorize(role: HandlerRole, service: string, operation: string, input: Record<string, unknown>): Promise<void> {
    const authorize = AUTHORIZATIONS[service]?.[operation];
    if (!authorize) {
      throw new Error(
        `the local IAM check does not know how AWS authorizes ${service}:${operation} (called by ${role.entry}); add it to lib/local/iam/authorizations.ts`,
      );
    }
    const context = {
      'aws:PrincipalArn': role.roleArn,
      'aws:PrincipalAccount': LOCAL_AWS.account,
      'aws:RequestedRegion': LOCAL_AWS.region,
      'aws:SecureTransport': 'true',
    };
    const lookups: ResourceLookups = { ...this.options.lookups, keyOf: (arn) => this.policies.keys[arn] };
    for (const { context: extra, ...request } of await authorize(input, lookups)) {
      const decision = evaluate(role.statements, { ...request, context: { ...context, ...extra } });
      if (decision.effect === 'allow') continue;
      const message = accessDeniedMessage(role.principalArn, request, decision);
      const tolerated = this.options.mode === 'report' || (this.options.tolerate?.({ entry: role.entry, ...request }) ?? false);
      this.denials.push({ entry: role.entry, ...request, message, reported: tolerated });
      this.options.log?.(`IAM ${tolerated ? 'would deny (reported)' : 'denied'}: ${role.entry}: ${message}`);
      if (tolerated) continue;
      throw Object.assign(new Error(message), {
        name: ERROR_NAMES[service] ?? 'AccessDeniedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
      });
    }
  }
}
