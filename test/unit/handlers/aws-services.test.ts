import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { SINGLE_APPROVER_POLICY } from '../../../lambdas/core/policy/single-approver-policy';
import type { FunctionHost } from '../../../lambdas/core/ports';
import { lambdaFunctions } from '../../../lambdas/handlers/aws/lambda';
import { s3DeploymentConfig } from '../../../lambdas/handlers/aws/s3';
import { secretsManagerLinkKeys } from '../../../lambdas/handlers/aws/secrets-manager';
import { awsServices } from '../../../lambdas/handlers/aws-services';

const secrets = mockClient(SecretsManagerClient);
const s3 = mockClient(S3Client);
const ENV = {
  CHANGES_TABLE: 'changes',
  LEDGER_TABLE: 'ledger',
  CODEDEPLOY_APPLICATION: 'cmv',
  LINK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:link',
  CMV_CONFIG_S3_URI: 's3://cdk-assets/config.json',
};

describe('awsServices()', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    secrets.reset();
    s3.reset();
    Object.assign(process.env, ENV, { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' });
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('builds the ports the handler names, with their wirings', () => {
    // Arrange
    const functions = {} as FunctionHost;

    // Act
    const svc = awsServices({ functions: { ...lambdaFunctions, adapter: () => functions } });

    // Assert
    expect(svc.functions).toBe(functions);
  });

  it('gives a port the handler did not name as one that throws on use, naming the port', async () => {
    // Act
    const svc = awsServices({});

    // Assert
    expect(() => svc.workflow.start('c1', {})).toThrow(/^this handler has no workflow port \(reached through start\)/);
    expect(() => svc.artifacts.read('s3://b/k')).toThrow(/no artifacts port/);
    expect(() => svc.notifier.send({} as never)).toThrow(/no notifier port/);
    expect(() => svc.settings.linkKeys.signing()).toThrow(/no linkKeys port/);
    expect(() => svc.directory.find('u1')).toThrow(/no config port/);
    await expect(async () => svc.policy()).rejects.toThrow(/no config port/);
  });

  it('leaves the optional ports the handler did not name absent, as the use cases expect', () => {
    // Act
    const svc = awsServices({});

    // Assert: absent, not throwing (use cases test for them)
    expect([svc.metrics, svc.codeDeploy, svc.events]).toEqual([undefined, undefined, undefined]);
    expect(svc.settings.codeDeploy).toEqual({ application: 'cmv', hooks: { beforeAllowTraffic: undefined, afterAllowTraffic: undefined } });
  });

  it('reads the link secret again on the next call after a failed read', async () => {
    // Arrange
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ SecretString: 'k1' });
    const svc = awsServices({ linkKeys: secretsManagerLinkKeys });

    // Act
    await expect(svc.settings.linkKeys.signing()).rejects.toThrow('Rate exceeded');
    const second = await svc.settings.linkKeys.signing();

    // Assert
    expect(second).toBe('k1');
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: ENV.LINK_SECRET_ARN, VersionStage: 'AWSCURRENT' });
  });

  it('reads the users and the policy from the config document CMV_CONFIG_S3_URI names', async () => {
    // Arrange
    const doc = { users: [{ id: 'ana', name: 'Ana', email: 'ana@example.com', roles: ['approver'] }], policy: SINGLE_APPROVER_POLICY };
    s3.on(GetObjectCommand).resolves({ Body: { transformToString: async () => JSON.stringify(doc) } as never });
    const svc = awsServices({ config: s3DeploymentConfig });

    // Act
    const ana = await svc.directory.find('ana');
    const policy = await svc.policy();

    // Assert
    expect(ana?.email).toBe('ana@example.com');
    expect(policy.name).toBe(SINGLE_APPROVER_POLICY.name);
    expect(s3).toHaveReceivedCommandTimes(GetObjectCommand, 1);
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: 'cdk-assets', Key: 'config.json' });
  });
});
