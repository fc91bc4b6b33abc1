import { type CfnElement, CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { CmvFunction } from './cmv-function';
import { acknowledgeWildcardResource, allow } from './grants';

/** Properties of a {@link UserDirectorySync}. */
export interface UserDirectorySyncProps {
  /** CMV's user pool: usernames are the users-file ids, one group per role. */
  readonly userPool: IUserPool;
  /** The approval topic: one e-mail subscription per approver, filtered to the messages addressed to them. */
  readonly approvalTopic: ITopic;
  /** The deployment's config document (users and policy), named by its content hash. */
  readonly config: Asset;
}

/**
 * Applies the users file to the user pool and to the approvers' subscriptions at every deploy that
 * changes it (a custom resource whose properties name the config document): users created, updated,
 * enabled or disabled, group memberships, subscriptions. CloudFormation cannot hold thousands of
 * users as resources (500 a stack), and one sync of the difference is also what makes a new hire a
 * config-only deploy. The handler is `lambdas/handlers/deploy/sync-users.ts`; CDK's Provider
 * framework reports its outcome, so a failed sync fails the deploy.
 */
export class UserDirectorySync extends Construct {
  readonly handler: CmvFunction;

  constructor(scope: Construct, id: string, props: UserDirectorySyncProps) {
    super(scope, id);
    this.handler = new CmvFunction(this, 'Handler', {
      entry: 'lambdas/handlers/deploy/sync-users.ts',
      description: 'CMV: makes the Cognito users, their role groups and the approvers’ e-mail subscriptions match the users file',
      // A first deploy of thousands of users meets Cognito's per-second quotas; Lambda's maximum.
      timeout: Duration.minutes(15),
    });
    const fn = this.handler;
    allow(fn, ['s3:GetObject'], [`arn:${Stack.of(this).partition}:s3:::${props.config.s3BucketName}/${props.config.s3ObjectKey}`]);
    allow(
      fn,
      [
        'cognito-idp:ListUsers',
        'cognito-idp:ListUsersInGroup',
        'cognito-idp:AdminCreateUser',
        'cognito-idp:AdminUpdateUserAttributes',
        'cognito-idp:AdminEnableUser',
        'cognito-idp:AdminDisableUser',
        'cognito-idp:AdminAddUserToGroup',
        'cognito-idp:AdminRemoveUserFromGroup',
      ],
      [props.userPool.userPoolArn],
    );
    allow(fn, ['sns:ListSubscriptionsByTopic', 'sns:Subscribe'], [props.approvalTopic.topicArn]);
    // SNS authorizes these three on no resource type (Service Authorization Reference): only "*" names them.
    allow(fn, ['sns:GetSubscriptionAttributes', 'sns:SetSubscriptionAttributes', 'sns:Unsubscribe'], ['*']);
    acknowledgeWildcardResource(
      fn,
      '*',
      'sns:GetSubscriptionAttributes, SetSubscriptionAttributes and Unsubscribe have no resource-level permissions; the sync calls them only for subscriptions of the approval topic.',
    );

    const provider = new Provider(this, 'Provider', {
      onEventHandler: fn.function,
      // Its log, like every CMV function's, is kept a year and outlives the stack.
      logGroup: new LogGroup(this, 'ProviderLogs', { retention: RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN }),
    });
    const handlerId = Stack.of(this).getLogicalId(fn.function.node.defaultChild as CfnElement);
    Validations.of(provider).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "CDK's Provider framework function logs with AWSLambdaBasicExecutionRole; it only invokes the sync handler.",
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${handlerId}.Arn>:*]`,
        reason: "CDK's Provider framework may invoke any version of the sync handler (<function ARN>:*), and nothing else.",
      },
    );
    new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::CmvUserSync',
      properties: { ConfigUri: props.config.s3ObjectUrl, UserPoolId: props.userPool.userPoolId, TopicArn: props.approvalTopic.topicArn },
    });
  }
}
