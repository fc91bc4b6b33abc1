import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { awsServices } from '../../../lambdas/handlers/aws-services';

const secrets = mockClient(SecretsManagerClient);
const ENV = {
  CHANGES_TABLE: 'changes',
  LEDGER_TABLE: 'ledger',
  ARTIFACT_BUCKET: 'artifacts',
  LINK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:link',
  CMV_CONFIG_S3_URI: 's3://cdk-assets/config.json',
};

describe('awsServices()', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    secrets.reset();
    Object.assign(process.env, ENV, { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' });
  });
  afterAll(() => {
    process.env = saved;
  });

  it('reads the link secret again on the next call after a failed read', async () => {
    // Arrange
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ SecretString: 'k1' });
    const svc = awsServices();

    // Act
    await expect(svc.settings.linkKeys.signing()).rejects.toThrow('Rate exceeded');
    const second = await svc.settings.linkKeys.signing();

    // Assert
    expect(second).toBe('k1');
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: ENV.LINK_SECRET_ARN, VersionStage: 'AWSCURRENT' });
  });
});
