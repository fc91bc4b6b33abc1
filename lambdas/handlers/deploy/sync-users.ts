import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import * as z from 'zod';
import { CognitoUserPool } from '../../adapters/cognito-user-pool';
import { S3DeploymentConfig } from '../../adapters/s3-deployment-config';
import { SnsSubscriptions } from '../../adapters/sns-subscriptions';
import { policyRoles } from '../../core/policy/roles';
import { syncUsers } from '../../core/use-cases/sync-users';
import { lazy } from '../http/api-handler';
import { logger, observed, traced } from '../observability';

/** The custom resource's properties (set by `UserDirectorySync`). */
const SyncProperties = z.object({ ConfigUri: z.string().min(1), UserPoolId: z.string().min(1), TopicArn: z.string().min(1) });

/** The clients the sync calls. */
export interface SyncClients {
  readonly s3: Pick<S3Client, 'send'>;
  readonly cognito: Pick<CognitoIdentityProviderClient, 'send'>;
  readonly sns: Pick<SNSClient, 'send'>;
}

/**
 * The onEvent handler of the user sync custom resource (CDK's Provider framework reports its result
 * to CloudFormation): on create and on every update — a new users file is a new ConfigUri — it
 * makes the user pool and the approvers' subscriptions match the deployment's users. Delete does
 * nothing: the pool outlives the stack (RETAIN) and the topic goes with it.
 * @throws when the users cannot be read or a change fails: the deploy fails and rolls back
 */
export const makeHandler = (clients: SyncClients) =>
  observed(async (event: CloudFormationCustomResourceEvent) => {
    if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
    const props = SyncProperties.parse(event.ResourceProperties);
    const config = new S3DeploymentConfig(clients.s3, props.ConfigUri);
    const users = await config.directory.all();
    const result = await syncUsers(
      {
        pool: new CognitoUserPool(clients.cognito, props.UserPoolId, policyRoles(await config.policy())),
        subscriptions: new SnsSubscriptions(clients.sns, props.TopicArn),
      },
      users,
    );
    logger.info('users synced', { users: users.length, ...result });
    return { PhysicalResourceId: `${props.UserPoolId}/users`, Data: { Users: String(users.length), PoolChanges: String(result.poolChanges) } };
  });

export const handler = lazy(() =>
  makeHandler({
    s3: traced(new S3Client({})),
    // Thousands of users on a first deploy meet Cognito's per-second quotas: back off and retry.
    cognito: traced(new CognitoIdentityProviderClient({ retryMode: 'adaptive', maxAttempts: 10 })),
    sns: traced(new SNSClient({ retryMode: 'adaptive', maxAttempts: 10 })),
  }),
);
