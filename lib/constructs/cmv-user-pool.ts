import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccountRecovery, FeaturePlan, Mfa, StandardThreatProtectionMode, UserPool, type UserPoolClient, UserPoolGroup } from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import type { BUILT_IN_ROLES, PolicyRole, Role } from '../../lambdas/core/policy/change-policy';

/** The Cognito groups: one per built-in CMV role, and one per role the policy declares. The API reads them from the `cognito:groups` claim. */
export const ROLE_GROUPS = {
  requester: 'Proposes changes',
  cab: 'Sits on the Change Advisory Board',
  executive: 'Signs off critical changes',
  approver: 'Approves or rejects other people’s changes',
  release_admin: 'Registers targets and activates earlier versions',
  auditor: 'Reads and verifies the audit ledger',
} as const satisfies Record<(typeof BUILT_IN_ROLES)[number], string>;

/**
 * Who may call the API: a Cognito user pool with no self sign-up, usernames equal to the users-file
 * ids (the `cognito:username` claim is the caller id), a strong password policy, TOTP MFA required,
 * Plus feature plan with threat protection enforced, and one group per CMV role. The `cli` client
 * signs in with SRP and no secret; API Gateway validates its ID tokens. Its users are no
 * CloudFormation resources: `UserDirectorySync` applies the users file at each deploy.
 */
export class CmvUserPool extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly groups: Readonly<Record<Role, UserPoolGroup>>;

  /** @param props.roles - the roles the policy declares beside the built-in ones */
  constructor(scope: Construct, id: string, props: { readonly roles?: readonly PolicyRole[] } = {}) {
    super(scope, id);
    this.userPool = new UserPool(this, 'Pool', {
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true }, fullname: { required: false, mutable: true } },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      userInvitation: {
        emailSubject: 'Your CMV account',
        emailBody: 'You can now sign in to CMV (change management) as {username} with the temporary password {####}.',
      },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.client = this.userPool.addClient('Cli', {
      authFlows: { userSrp: true },
      generateSecret: false,
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });
    const groups = {} as Record<Role, UserPoolGroup>;
    const declared = (props.roles ?? []).map((r): [Role, string] => [r.name, r.description || `Policy role ${r.name}`]);
    for (const [role, description] of [...(Object.entries(ROLE_GROUPS) as [Role, string][]), ...declared]) {
      groups[role] = new UserPoolGroup(this, `Group-${role}`, { userPool: this.userPool, groupName: role, description });
    }
    this.groups = groups;
  }
}
