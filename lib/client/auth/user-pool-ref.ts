import type { UserPoolClientRef } from './cognito-sign-in';

/** A user pool id as Cognito makes them: `<region>_<id>`. */
const POOL_ID = /^([a-z]{2}(?:-[a-z]+)+-\d+)_[0-9A-Za-z]+$/;

/**
 * The app client `cmv login` signs in with, from its options (commander fills them from
 * CMV_USER_POOL_ID and CMV_CLIENT_ID too). The region is `--region`, else the pool id's prefix —
 * not AWS_REGION: a pool id names its region, and AWS_REGION set for other work would send the
 * sign-in to a region where the pool does not exist.
 * @throws Error naming the option when the pool id is not one or the client id is empty
 */
export function userPoolClientRef(options: { userPoolId: string; clientId: string; region?: string }): UserPoolClientRef {
  const userPoolId = options.userPoolId.trim();
  const clientId = options.clientId.trim();
  const prefix = POOL_ID.exec(userPoolId)?.[1];
  if (!prefix)
    throw new Error(
      `--user-pool-id must be a user pool id such as eu-west-1_AbCdEf123 (the stack output UserPoolId); got ${JSON.stringify(options.userPoolId)}.`,
    );
  if (!clientId) throw new Error('--client-id must be the app client id (the stack output UserPoolClientId); got an empty one.');
  return { userPoolId, clientId, region: options.region?.trim() || prefix };
}
