import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { AwsClient } from '../../../lambdas/adapters/aws-client';
import { type DeploymentConfig, deploymentConfigDocument } from '../../../lambdas/adapters/deployment-config';
import { S3DeploymentConfig } from '../../../lambdas/adapters/s3-deployment-config';
import { SINGLE_APPROVER_POLICY } from '../../../lambdas/core/policy/single-approver-policy';
import { LocalS3 } from '../../../lib/local/s3';

const BUCKET = 'cdk-assets';
const user = (i: number): DeploymentConfig['users'][number] => ({
  id: `user${i}`,
  name: `User ${i}`,
  email: `user${i}@example.org`,
  roles: [i % 10 === 0 ? 'approver' : 'requester'],
});

describe('S3DeploymentConfig', () => {
  let s3: LocalS3;
  let gets: number;
  /** The S3 stand-in, counting GetObject calls. */
  const client: AwsClient = {
    send: (command) => {
      if (command instanceof GetObjectCommand) gets++;
      return s3.send(command);
    },
  };
  const put = async (config: DeploymentConfig | string, key = 'config.json') => {
    const body = typeof config === 'string' ? config : deploymentConfigDocument(config).json;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: new TextEncoder().encode(body) }));
    return `s3://${BUCKET}/${key}`;
  };

  beforeEach(() => {
    s3 = new LocalS3(mkdtempSync(join(tmpdir(), 'cmv-config-')));
    gets = 0;
  });

  describe('directory', () => {
    it('finds each of 5,000 users by id and lists them all, from one read', async () => {
      // Arrange
      const users = Array.from({ length: 5000 }, (_, i) => user(i));
      const config = new S3DeploymentConfig(client, await put({ users: [...users], policy: SINGLE_APPROVER_POLICY }));

      // Act
      const found = await Promise.all([config.directory.find('user0'), config.directory.find('user4999'), config.directory.find('nobody')]);
      const all = await config.directory.all();

      // Assert
      expect(found.map((u) => u?.email)).toEqual(['user0@example.org', 'user4999@example.org', undefined]);
      expect(all).toHaveLength(5000);
      expect(gets).toBe(1);
    });

    it('keeps what it read for the life of the container (the object never changes in place)', async () => {
      // Arrange
      const uri = await put({ users: [user(1)], policy: SINGLE_APPROVER_POLICY });
      const config = new S3DeploymentConfig(client, uri);
      await config.directory.all();
      await put({ users: [user(2)], policy: SINGLE_APPROVER_POLICY });

      // Act
      const after = await config.directory.all();

      // Assert
      expect(after.map((u) => u.id)).toEqual(['user1']);
      expect(gets).toBe(1);
    });

    it('reads the document once for concurrent first calls', async () => {
      // Arrange
      const config = new S3DeploymentConfig(client, await put({ users: [user(1)], policy: SINGLE_APPROVER_POLICY }));

      // Act
      await Promise.all([config.directory.all(), config.directory.find('user1'), config.policy()]);

      // Assert
      expect(gets).toBe(1);
    });

    it('reads again on the next call after a failed read (a failure is never kept)', async () => {
      // Arrange: the object is not there yet
      const uri = `s3://${BUCKET}/late.json`;
      const config = new S3DeploymentConfig(client, uri);
      await expect(config.directory.find('user1')).rejects.toMatchObject({ name: 'NoSuchKey' });
      await put({ users: [user(1)], policy: SINGLE_APPROVER_POLICY }, 'late.json');

      // Act
      const found = await config.directory.find('user1');

      // Assert
      expect(found?.id).toBe('user1');
      expect(gets).toBe(2);
    });
  });

  describe('policy()', () => {
    it('returns the policy of the document', async () => {
      // Arrange
      const policy = { ...SINGLE_APPROVER_POLICY, name: 'Bank policy' };
      const config = new S3DeploymentConfig(client, await put({ users: [], policy }));

      // Act / Assert
      expect(await config.policy()).toEqual(policy);
    });

    it('rejects an invalid document, naming the object and the field, and reads again on the next call', async () => {
      // Arrange
      const uri = await put(JSON.stringify({ users: [{ ...user(1), email: 'not-an-address' }], policy: SINGLE_APPROVER_POLICY }));
      const config = new S3DeploymentConfig(client, uri);

      // Act / Assert
      await expect(config.policy()).rejects.toThrow(`deployment config ${uri} is invalid: users.0.email: `);
      await put({ users: [user(1)], policy: SINGLE_APPROVER_POLICY });
      await expect(config.policy()).resolves.toEqual(SINGLE_APPROVER_POLICY);
    });

    it('rejects a URI that is not s3://bucket/key', async () => {
      await expect(new S3DeploymentConfig(client, 'https://example.org/config.json').policy()).rejects.toThrow(
        'the deployment config is not at an s3://bucket/key URI: https://example.org/config.json',
      );
    });
  });
});

describe('deploymentConfigDocument()', () => {
  it('names the document by the SHA-256 of its JSON, so that other users or another policy are another object', () => {
    // Arrange
    const a = deploymentConfigDocument({ users: [user(1)], policy: SINGLE_APPROVER_POLICY });
    const b = deploymentConfigDocument({ users: [user(2)], policy: SINGLE_APPROVER_POLICY });

    // Assert
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(a.sha256).not.toBe(b.sha256);
    expect(deploymentConfigDocument({ users: [user(1)], policy: SINGLE_APPROVER_POLICY })).toEqual(a);
  });
});
