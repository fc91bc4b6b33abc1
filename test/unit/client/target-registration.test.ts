import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { readTargetRegistration, uploadSource } from '../../../lib/client/target-registration';
import { repoPath } from '../../../lib/constructs/repo';
import { sourceZip } from '../../../lib/constructs/source-zip';

const TARGET_FILE = repoPath('examples', 'benefit-calculator', 'target.json');
const s3 = mockClient(S3Client);

describe('readTargetRegistration', () => {
  it('maps a target.json to the body of POST /targets: its fields less what only the stack reads, with the artifact given', async () => {
    // Act
    const { registration, sourceDir } = await readTargetRegistration(TARGET_FILE, 's3://bucket/key.zip');

    // Assert
    expect(sourceDir).toBe(repoPath('examples', 'benefit-calculator', 'service'));
    expect(registration).toMatchObject({ name: 'benefit-calculator', functionName: 'benefit-calculator', alias: 'live', artifact: 's3://bucket/key.zip' });
    expect(Object.keys(registration)).not.toEqual(expect.arrayContaining(['source']));
    for (const field of ['source', 'handler', 'runtime', 'traffic']) expect(registration).not.toHaveProperty(field);
  });

  it('names the file and the field when the target.json is not a registration', async () => {
    // Act / Assert
    await expect(readTargetRegistration(repoPath('examples', 'users.json'), 's3://b/k')).rejects.toThrow(/users\.json.*(name|functionName|source)/);
  });
});

describe('uploadSource', () => {
  beforeEach(() => s3.reset());

  it('puts the zip the stack deployed (byte for byte) under its SHA-256, and answers its s3:// URI', async () => {
    // Arrange
    s3.on(PutObjectCommand).resolves({});
    const stackZip = await readFile(sourceZip(repoPath('examples', 'benefit-calculator', 'service')));
    const sha = createHash('sha256').update(stackZip).digest('hex');

    // Act
    const uri = await uploadSource(
      new S3Client({ region: 'eu-west-1' }),
      'cmv-artifacts',
      'benefit-calculator',
      repoPath('examples', 'benefit-calculator', 'service'),
    );

    // Assert
    expect(uri).toBe(`s3://cmv-artifacts/registrations/benefit-calculator/${sha}.zip`);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    const input = s3.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(input).toMatchObject({ Bucket: 'cmv-artifacts', Key: `registrations/benefit-calculator/${sha}.zip`, ContentType: 'application/zip' });
    expect(Buffer.from(input.Body as Uint8Array).equals(stackZip)).toBe(true);
  });
});
