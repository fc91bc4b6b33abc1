import { CreateDeploymentCommand, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { GetAliasCommand, InvokeCommand, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { PublishCommand } from '@aws-sdk/client-sns';
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Statement } from '../../../../lib/local/iam/evaluate';
import { IamCheck, type IamMode } from '../../../../lib/local/iam/iam-check';
import type { RolePolicies } from '../../../../lib/local/iam/role-policies';

const ENTRY = 'lambdas/handlers/workflow/shift-traffic.ts';
const FUNCTION = 'arn:aws:lambda:local:000000000000:function:benefit-calculator';
const TABLE = 'arn:aws:dynamodb:local:000000000000:table/cmv-changes';
const LEDGER = 'arn:aws:dynamodb:local:000000000000:table/cmv-audit-ledger';
const STATE_MACHINE = 'arn:aws:states:local:000000000000:stateMachine:cmv-change-lifecycle';
const PRINCIPAL = 'arn:aws:sts::000000000000:assumed-role/cmv-ShiftTrafficRole/cmv-ShiftTrafficFunction';

const BUCKET = 'arn:aws:s3:::cmv-artifacts';
const KEY = 'arn:aws:kms:local:000000000000:key/cmv-key';
const policies = (statements: Statement[]): RolePolicies => ({
  targetFiles: [],
  keys: { [BUCKET]: KEY },
  roles: {
    [ENTRY]: {
      entry: ENTRY,
      roleName: 'cmv-ShiftTrafficRole',
      roleArn: 'arn:aws:iam::000000000000:role/cmv-ShiftTrafficRole',
      principalArn: PRINCIPAL,
      statements,
    },
  },
});
const lookups = {
  deploymentGroupOf: async (id: string) => (id === 'd-1' ? { application: 'cmv', deploymentGroup: 'benefit-calculator' } : undefined),
  stateMachineOfTaskToken: async () => STATE_MACHINE,
};
/** A client of `service` for the shift-traffic handler under `statements`, and the stand-in behind it. */
function clientUnder(statements: Statement[], service: string, mode: IamMode = 'enforce') {
  const check = new IamCheck(policies(statements), { mode, lookups });
  const standIn = { send: jest.fn(async (_command: unknown) => ({ ok: true })) };
  return { check, standIn, client: check.client(ENTRY, service, standIn) };
}

describe('IamCheck', () => {
  describe('client()', () => {
    it('passes a call its role allows to the stand-in', async () => {
      // Arrange
      const { client, standIn } = clientUnder([{ Effect: 'Allow', Action: ['lambda:GetAlias', 'lambda:UpdateAlias'], Resource: FUNCTION }], 'lambda');
      const command = new UpdateAliasCommand({ FunctionName: 'benefit-calculator', Name: 'live', FunctionVersion: '2' });
      // Act
      const out = await client.send(command as never);
      // Assert
      expect(out).toEqual({ ok: true });
      expect(standIn.send).toHaveBeenCalledWith(command);
    });

    it('rejects a call its role does not allow with the error and message AWS sends, and never runs it', async () => {
      // Arrange
      const { client, standIn, check } = clientUnder([{ Effect: 'Allow', Action: 'lambda:GetAlias', Resource: FUNCTION }], 'lambda');
      // Act
      const sent = client.send(new UpdateAliasCommand({ FunctionName: 'benefit-calculator', Name: 'live', FunctionVersion: '2' }) as never);
      // Assert
      await expect(sent).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: `User: ${PRINCIPAL} is not authorized to perform: lambda:UpdateAlias on resource: ${FUNCTION} because no identity-based policy allows the lambda:UpdateAlias action`,
        $metadata: { httpStatusCode: 403 },
      });
      expect(standIn.send).not.toHaveBeenCalled();
      expect(check.denials).toEqual([expect.objectContaining({ entry: ENTRY, action: 'lambda:UpdateAlias', resource: FUNCTION, reported: false })]);
    });

    it('says "with an explicit deny" when a Deny statement refused the call', async () => {
      const { client } = clientUnder(
        [
          { Effect: 'Allow', Action: 'lambda:*', Resource: '*' },
          { Effect: 'Deny', Action: 'lambda:UpdateAlias', Resource: '*' },
        ],
        'lambda',
      );
      await expect(client.send(new UpdateAliasCommand({ FunctionName: 'benefit-calculator', Name: 'live' }) as never)).rejects.toThrow(
        `User: ${PRINCIPAL} is not authorized to perform: lambda:UpdateAlias on resource: ${FUNCTION} with an explicit deny in an identity-based policy`,
      );
    });

    it('authorizes an invoke of a version against function:name:N, so an alias grant does not cover it', async () => {
      // Arrange
      const { client } = clientUnder([{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: `${FUNCTION}:live` }], 'lambda');
      // Act / Assert
      await expect(client.send(new InvokeCommand({ FunctionName: 'benefit-calculator', Qualifier: 'live' }) as never)).resolves.toEqual({ ok: true });
      await expect(client.send(new InvokeCommand({ FunctionName: 'benefit-calculator', Qualifier: '3' }) as never)).rejects.toThrow(
        `lambda:InvokeFunction on resource: ${FUNCTION}:3 because`,
      );
      await expect(client.send(new InvokeCommand({ FunctionName: `${FUNCTION}:3` }) as never)).rejects.toThrow(`on resource: ${FUNCTION}:3 because`);
    });

    it('authorizes alias reads against the function', async () => {
      const { client } = clientUnder([{ Effect: 'Allow', Action: 'lambda:GetAlias', Resource: FUNCTION }], 'lambda');
      await expect(client.send(new GetAliasCommand({ FunctionName: 'benefit-calculator', Name: 'live' }) as never)).resolves.toEqual({ ok: true });
    });

    it('authorizes a document-client transaction per item: PutItem on each item’s table', async () => {
      // Arrange
      const { client } = clientUnder([{ Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: TABLE }], 'dynamodb');
      const transaction = (tables: string[]) =>
        new TransactWriteCommand({ TransactItems: tables.map((TableName) => ({ Put: { TableName, Item: { pk: 'x' } } })) }) as never;
      // Act / Assert
      await expect(client.send(transaction(['cmv-changes']))).resolves.toEqual({ ok: true });
      await expect(client.send(transaction(['cmv-changes', 'cmv-audit-ledger']))).rejects.toThrow(`dynamodb:PutItem on resource: ${LEDGER} because`);
    });

    it('authorizes a document-client get as dynamodb:GetItem and an index query against the index', async () => {
      const { client } = clientUnder([{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: TABLE }], 'dynamodb');
      await expect(client.send(new GetCommand({ TableName: 'cmv-changes', Key: { pk: 'x' } }) as never)).resolves.toEqual({ ok: true });
      await expect(client.send(new QueryCommand({ TableName: 'cmv-changes', IndexName: 'byTarget' }) as never)).rejects.toThrow(
        `dynamodb:Query on resource: ${TABLE}/index/byTarget because`,
      );
    });

    it('authorizes task responses against the state machine of the token', async () => {
      const { client } = clientUnder([{ Effect: 'Allow', Action: 'states:SendTaskSuccess', Resource: STATE_MACHINE }], 'states');
      await expect(client.send(new SendTaskSuccessCommand({ taskToken: 't', output: '{}' }) as never)).resolves.toEqual({ ok: true });
    });

    it('authorizes calls on a deployment against its deployment group, and CreateDeployment with its config and revision', async () => {
      // Arrange
      const group = 'arn:aws:codedeploy:local:000000000000:deploymentgroup:cmv/benefit-calculator';
      const { client } = clientUnder([{ Effect: 'Allow', Action: ['codedeploy:GetDeployment', 'codedeploy:CreateDeployment'], Resource: group }], 'codedeploy');
      // Act / Assert
      await expect(client.send(new GetDeploymentCommand({ deploymentId: 'd-1' }) as never)).resolves.toEqual({ ok: true });
      await expect(
        client.send(
          new CreateDeploymentCommand({
            applicationName: 'cmv',
            deploymentGroupName: 'benefit-calculator',
            deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce',
          }) as never,
        ),
      ).rejects.toThrow(
        'codedeploy:GetDeploymentConfig on resource: arn:aws:codedeploy:local:000000000000:deploymentconfig:CodeDeployDefault.LambdaAllAtOnce because',
      );
    });

    it('requires the key for an object of a KMS-encrypted bucket, through S3 only (kms:ViaService)', async () => {
      // Arrange
      const read: Statement = { Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET}/*` };
      const viaS3: Statement = {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: KEY,
        Condition: { StringEquals: { 'kms:ViaService': 's3.local.amazonaws.com' } },
      };
      const viaDynamo: Statement = { ...viaS3, Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.local.amazonaws.com' } } };
      const get = new GetObjectCommand({ Bucket: 'cmv-artifacts', Key: 'changes/c1.zip' }) as never;
      // Act / Assert
      await expect(clientUnder([read, viaS3], 's3').client.send(get)).resolves.toEqual({ ok: true });
      await expect(clientUnder([read, viaDynamo], 's3').client.send(get)).rejects.toMatchObject({
        name: 'AccessDenied',
        message: `User: ${PRINCIPAL} is not authorized to perform: kms:Decrypt on resource: ${KEY} because no identity-based policy allows the kms:Decrypt action`,
      });
    });

    it('answers with the error name of the service (SNS: AuthorizationError)', async () => {
      const { client } = clientUnder([], 'sns');
      await expect(client.send(new PublishCommand({ TopicArn: 'arn:aws:sns:local:000000000000:cmv-approvals', Message: 'm' }) as never)).rejects.toMatchObject({
        name: 'AuthorizationError',
      });
    });

    it('in report mode records and logs a denied call and lets it through', async () => {
      // Arrange
      const { client, standIn, check } = clientUnder([], 'lambda', 'report');
      // Act
      await client.send(new UpdateAliasCommand({ FunctionName: 'benefit-calculator', Name: 'live' }) as never);
      // Assert
      expect(standIn.send).toHaveBeenCalled();
      expect(check.denials).toEqual([expect.objectContaining({ action: 'lambda:UpdateAlias', reported: true })]);
    });

    it('fails closed on an operation it does not know how AWS authorizes', async () => {
      const { client, standIn } = clientUnder([{ Effect: 'Allow', Action: '*', Resource: '*' }], 'lambda');
      class TagResourceCommand {
        readonly input = { Resource: FUNCTION };
      }
      await expect(client.send(new TagResourceCommand() as never)).rejects.toThrow(/does not know how AWS authorizes lambda:TagResource/);
      expect(standIn.send).not.toHaveBeenCalled();
    });
  });

  describe('role()', () => {
    it('rejects a handler the synthesized stack has no function for', () => {
      const check = new IamCheck(policies([]), { mode: 'enforce', lookups });
      expect(() => check.role('lambdas/handlers/api/invoke-target.ts')).toThrow(/no function running lambdas\/handlers\/api\/invoke-target.ts/);
    });
  });
});
