import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminRemoveUserFromGroupCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  ListUsersInGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand, SNSClient, SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { type DeploymentConfig, deploymentConfigDocument } from '../../../lambdas/adapters/deployment-config';
import { SINGLE_APPROVER_POLICY } from '../../../lambdas/core/policy/single-approver-policy';
import type { Role, User } from '../../../lambdas/core/user';
import { makeHandler } from '../../../lambdas/handlers/deploy/sync-users';
import { LocalS3 } from '../../../lib/local/s3';

const POOL = 'eu-west-1_AbCdEf123';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:cmv-approvals';
const cognitoMock = mockClient(CognitoIdentityProviderClient);
const snsMock = mockClient(SNSClient);
const cognito = new CognitoIdentityProviderClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const sns = new SNSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });

const user = (id: string, roles: Role[], email = `${id}@example.org`): User => ({ id, name: `Name of ${id}`, email, roles });

/** The user pool as Cognito answers for it, 60 users a page. */
function fakePool(users: { id: string; email: string; name: string; enabled?: boolean; groups: Role[] }[]) {
  const page = <T>(items: T[], token: string | undefined) => {
    const start = Number(token ?? 0);
    const next = start + 60 < items.length ? String(start + 60) : undefined;
    return { items: items.slice(start, start + 60), next };
  };
  cognitoMock.on(ListUsersCommand).callsFake((input) => {
    const { items, next } = page(users, input.PaginationToken);
    return {
      Users: items.map((u) => ({
        Username: u.id,
        Enabled: u.enabled ?? true,
        Attributes: [
          { Name: 'email', Value: u.email },
          { Name: 'name', Value: u.name },
        ],
      })),
      PaginationToken: next,
    };
  });
  cognitoMock.on(ListUsersInGroupCommand).callsFake((input) => {
    const { items, next } = page(
      users.filter((u) => u.groups.includes(input.GroupName)),
      input.NextToken,
    );
    return { Users: items.map((u) => ({ Username: u.id })), NextToken: next };
  });
}

describe('sync-users handler', () => {
  let s3: LocalS3;
  const event = async (users: User[], requestType: 'Create' | 'Update' = 'Update'): Promise<CloudFormationCustomResourceEvent> => {
    const { json, sha256 } = deploymentConfigDocument({ users, policy: SINGLE_APPROVER_POLICY } as DeploymentConfig);
    await s3.send(new PutObjectCommand({ Bucket: 'cdk-assets', Key: `${sha256}.json`, Body: new TextEncoder().encode(json) }));
    return {
      RequestType: requestType,
      ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provider',
      ResponseURL: 'https://example.org/response',
      StackId: 'stack',
      RequestId: 'request',
      LogicalResourceId: 'UserSync',
      ResourceType: 'Custom::CmvUserSync',
      PhysicalResourceId: `${POOL}/users`,
      ResourceProperties: { ServiceToken: 'x', ConfigUri: `s3://cdk-assets/${sha256}.json`, UserPoolId: POOL, TopicArn: TOPIC },
      OldResourceProperties: {},
    } as CloudFormationCustomResourceEvent;
  };
  const handler = () => makeHandler({ s3, cognito, sns });

  beforeEach(() => {
    s3 = new LocalS3(mkdtempSync(join(tmpdir(), 'cmv-sync-')));
    cognitoMock.reset();
    snsMock.reset();
    snsMock.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });
    jest.spyOn(console, 'log').mockImplementation(() => {});
  });
  afterEach(() => jest.restoreAllMocks());

  it('creates 3,000 users of a first deploy in the pool, each in its role groups, and subscribes the approvers', async () => {
    // Arrange
    fakePool([]);
    const users = Array.from({ length: 3000 }, (_, i) => user(`user${i}`, i % 10 === 0 ? ['approver', 'requester'] : ['requester']));

    // Act
    const result = await handler()(await event(users, 'Create'));

    // Assert
    expect(result).toEqual({ PhysicalResourceId: `${POOL}/users`, Data: { Users: '3000', PoolChanges: '6300' } });
    expect(cognitoMock).toHaveReceivedCommandTimes(AdminCreateUserCommand, 3000);
    expect(cognitoMock).toHaveReceivedCommandWith(AdminCreateUserCommand, {
      UserPoolId: POOL,
      Username: 'user2999',
      DesiredDeliveryMediums: ['EMAIL'],
      UserAttributes: [
        { Name: 'email', Value: 'user2999@example.org' },
        { Name: 'email_verified', Value: 'true' },
        { Name: 'name', Value: 'Name of user2999' },
      ],
    });
    expect(cognitoMock).toHaveReceivedCommandTimes(AdminAddUserToGroupCommand, 3300);
    expect(cognitoMock).toHaveReceivedCommandWith(AdminAddUserToGroupCommand, { UserPoolId: POOL, Username: 'user10', GroupName: 'approver' });
    expect(snsMock).toHaveReceivedCommandTimes(SubscribeCommand, 300);
    expect(snsMock).toHaveReceivedCommandWith(SubscribeCommand, {
      TopicArn: TOPIC,
      Protocol: 'email',
      Endpoint: 'user10@example.org',
      Attributes: { FilterPolicy: '{"approver":["user10@example.org"]}' },
    });
  });

  it('adds no user to a group before every user is created', async () => {
    // Arrange
    fakePool([]);
    const order: string[] = [];
    cognitoMock.on(AdminCreateUserCommand).callsFake(() => void order.push('create'));
    cognitoMock.on(AdminAddUserToGroupCommand).callsFake(() => void order.push('group'));

    // Act
    await handler()(await event(Array.from({ length: 10 }, (_, i) => user(`u${i}`, ['requester']))));

    // Assert
    expect(order.lastIndexOf('create')).toBeLessThan(order.indexOf('group'));
  });

  it('changes nothing when the pool and the subscriptions already match the users file', async () => {
    // Arrange
    const bob = user('bob', ['approver']);
    fakePool([{ id: 'bob', email: bob.email, name: bob.name, groups: ['approver'] }]);
    snsMock.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [{ Protocol: 'email', Endpoint: bob.email, SubscriptionArn: `${TOPIC}:1` }] });
    snsMock.on(GetSubscriptionAttributesCommand).resolves({ Attributes: { FilterPolicy: '{"approver":["bob@example.org"]}' } });

    // Act
    const result = await handler()(await event([bob]));

    // Assert
    expect(result.Data).toEqual({ Users: '1', PoolChanges: '0' });
    const writes = [...cognitoMock.calls(), ...snsMock.calls()].map((c) => (c.args[0] as object).constructor.name).filter((name) => !/^(List|Get)/.test(name));
    expect(writes).toEqual([]);
  });

  it('disables a user the file no longer lists, takes its roles, and unsubscribes it', async () => {
    // Arrange
    fakePool([{ id: 'frank', email: 'frank@example.org', name: 'Frank', groups: ['approver', 'cab'] }]);
    snsMock
      .on(ListSubscriptionsByTopicCommand)
      .resolves({ Subscriptions: [{ Protocol: 'email', Endpoint: 'frank@example.org', SubscriptionArn: `${TOPIC}:f` }] });
    snsMock.on(GetSubscriptionAttributesCommand).resolves({ Attributes: { FilterPolicy: '{"approver":["frank@example.org"]}' } });

    // Act
    await handler()(await event([]));

    // Assert
    expect(cognitoMock).toHaveReceivedCommandWith(AdminDisableUserCommand, { UserPoolId: POOL, Username: 'frank' });
    expect(cognitoMock).toHaveReceivedCommandWith(AdminRemoveUserFromGroupCommand, { UserPoolId: POOL, Username: 'frank', GroupName: 'approver' });
    expect(cognitoMock).toHaveReceivedCommandWith(AdminRemoveUserFromGroupCommand, { UserPoolId: POOL, Username: 'frank', GroupName: 'cab' });
    expect(snsMock).toHaveReceivedCommandWith(UnsubscribeCommand, { SubscriptionArn: `${TOPIC}:f` });
  });

  it('treats a user already created by an earlier, interrupted run as created', async () => {
    // Arrange
    fakePool([]);
    cognitoMock.on(AdminCreateUserCommand).rejects(Object.assign(new Error('User account already exists'), { name: 'UsernameExistsException' }));

    // Act / Assert
    await expect(handler()(await event([user('alice', ['requester'])]))).resolves.toMatchObject({ Data: { PoolChanges: '2' } });
  });

  it('fails the deploy when Cognito refuses a change', async () => {
    // Arrange
    fakePool([]);
    cognitoMock
      .on(AdminCreateUserCommand)
      .rejects(Object.assign(new Error('not authorized to perform: cognito-idp:AdminCreateUser'), { name: 'AccessDeniedException' }));

    // Act / Assert
    await expect(handler()(await event([user('alice', ['requester'])]))).rejects.toThrow(/cognito-idp:AdminCreateUser/);
  });

  it('does nothing on delete: the pool outlives the stack', async () => {
    // Arrange
    const deleted = { ...(await event([])), RequestType: 'Delete' } as CloudFormationCustomResourceEvent;

    // Act
    const result = await handler()(deleted);

    // Assert
    expect(result).toEqual({ PhysicalResourceId: `${POOL}/users` });
    expect(cognitoMock.calls()).toHaveLength(0);
    expect(snsMock.calls()).toHaveLength(0);
  });
});
