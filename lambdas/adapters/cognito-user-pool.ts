import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminUpdateUserAttributesCommand,
  ListUsersCommand,
  ListUsersInGroupCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { BUILT_IN_ROLES, type Role } from '../core/policy/change-policy';
import type { PoolChange, PoolUser, UserPoolPort } from '../core/user-sync';
import type { AwsClient } from './aws-client';

/**
 * CMV's Cognito user pool: usernames are the users-file ids, one group per role (named as the role).
 * Reads with ListUsers and ListUsersInGroup (60 a page: 3,000 users are about 50 + 6 × 50 calls).
 */
export class CognitoUserPool implements UserPoolPort {
  /** @param roles - the deployment's roles (built-in and the policy's), one group each */
  constructor(
    private readonly cognito: AwsClient,
    private readonly userPoolId: string,
    private readonly roles: readonly Role[] = BUILT_IN_ROLES,
  ) {}

  async users(): Promise<PoolUser[]> {
    const groups = new Map<string, Role[]>();
    for (const role of this.roles) {
      let NextToken: string | undefined;
      do {
        const page = await this.cognito.send(new ListUsersInGroupCommand({ UserPoolId: this.userPoolId, GroupName: role, Limit: 60, NextToken }));
        for (const u of page.Users ?? []) if (u.Username) groups.set(u.Username, [...(groups.get(u.Username) ?? []), role]);
        NextToken = page.NextToken;
      } while (NextToken);
    }
    const users: PoolUser[] = [];
    let PaginationToken: string | undefined;
    do {
      const page = await this.cognito.send(new ListUsersCommand({ UserPoolId: this.userPoolId, Limit: 60, PaginationToken }));
      for (const u of page.Users ?? []) {
        if (!u.Username) continue;
        users.push({
          id: u.Username,
          email: attribute(u, 'email'),
          name: attribute(u, 'name'),
          enabled: u.Enabled !== false,
          groups: groups.get(u.Username) ?? [],
        });
      }
      PaginationToken = page.PaginationToken;
    } while (PaginationToken);
    return users;
  }

  async apply(change: PoolChange): Promise<void> {
    const UserPoolId = this.userPoolId;
    switch (change.kind) {
      case 'create':
        try {
          // Cognito e-mails the invitation (the pool's template) with a temporary password.
          await this.cognito.send(
            new AdminCreateUserCommand({
              UserPoolId,
              Username: change.user.id,
              DesiredDeliveryMediums: ['EMAIL'],
              UserAttributes: [
                { Name: 'email', Value: change.user.email },
                { Name: 'email_verified', Value: 'true' },
                { Name: 'name', Value: change.user.name },
              ],
            }),
          );
        } catch (err) {
          // A retried sync that created it before: the next run updates what differs.
          if ((err as Error).name !== 'UsernameExistsException') throw err;
        }
        return;
      case 'update':
        await this.cognito.send(
          new AdminUpdateUserAttributesCommand({
            UserPoolId,
            Username: change.id,
            UserAttributes: [
              { Name: 'email', Value: change.email },
              { Name: 'email_verified', Value: 'true' },
              { Name: 'name', Value: change.name },
            ],
          }),
        );
        return;
      case 'enable':
        await this.cognito.send(new AdminEnableUserCommand({ UserPoolId, Username: change.id }));
        return;
      case 'disable':
        await this.cognito.send(new AdminDisableUserCommand({ UserPoolId, Username: change.id }));
        return;
      case 'add-to-group':
        await this.cognito.send(new AdminAddUserToGroupCommand({ UserPoolId, Username: change.id, GroupName: change.group }));
        return;
      case 'remove-from-group':
        await this.cognito.send(new AdminRemoveUserFromGroupCommand({ UserPoolId, Username: change.id, GroupName: change.group }));
        return;
    }
  }
}

function attribute(user: UserType, name: string): string {
  return user.Attributes?.find((a) => a.Name === name)?.Value ?? '';
}
