import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { digestKey, S3DigestStore } from '../../../lambdas/adapters/s3-digests';
import type { SignedDigest } from '../../../lambdas/core/digest';
import { DigestExistsError } from '../../../lambdas/core/errors';

const s3Mock = mockClient(S3Client);
const client = new S3Client({ region: 'eu-central-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const BUCKET = 'cmv-digests';
const signed = (seq: number) =>
  ({ digest: { seq }, digestHash: `h${seq}`, signature: { algorithm: 'ECDSA_SHA_256', keyId: 'k', value: 's' } }) as unknown as SignedDigest;
const body = (value: unknown) => ({ transformToString: async () => JSON.stringify(value) });

describe('s3-digests', () => {
  beforeEach(() => s3Mock.reset());

  it('keys digests by zero-padded seq, so that key order is seq order', () => {
    expect(digestKey(7)).toBe('digests/000000000007.json');
    expect(digestKey(10) > digestKey(9)).toBe(true);
  });

  describe('S3DigestStore.put()', () => {
    it('puts a digest under its key only if no object has that key (If-None-Match: *), with a checksum as Object Lock requires', async () => {
      // Arrange
      s3Mock.on(PutObjectCommand).resolves({});

      // Act
      await new S3DigestStore(client, BUCKET).put(signed(3));

      // Assert
      expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 1);
      expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
        Bucket: BUCKET,
        Key: 'digests/000000000003.json',
        IfNoneMatch: '*',
        ChecksumAlgorithm: 'SHA256',
        ContentType: 'application/json',
        Body: JSON.stringify(signed(3), null, 2),
      });
    });

    it('throws DigestExistsError when S3 answers 412 PreconditionFailed (another digest has the seq)', async () => {
      s3Mock.on(PutObjectCommand).rejects(
        new S3ServiceException({
          name: 'PreconditionFailed',
          $fault: 'client',
          $metadata: { httpStatusCode: 412 },
          message: 'At least one of the pre-conditions you specified did not hold',
        }),
      );

      await expect(new S3DigestStore(client, BUCKET).put(signed(3))).rejects.toBeInstanceOf(DigestExistsError);
    });
  });

  describe('S3DigestStore.latest()', () => {
    it('finds the newest digest by asking whether any key follows a seq, doubling then halving, and reads only it', async () => {
      // Arrange: digests 1–5 exist.
      s3Mock.on(ListObjectsV2Command).callsFake((input: { StartAfter: string }) => {
        const after = Number(/(\d+)\.json$/.exec(input.StartAfter)?.[1]);
        return { Contents: after < 5 ? [{ Key: digestKey(after + 1) }] : [] };
      });
      s3Mock.on(GetObjectCommand, { Key: digestKey(5) }).resolves({ Body: body(signed(5)) as never });

      // Act
      const latest = await new S3DigestStore(client, BUCKET).latest();

      // Assert
      expect(latest?.digest.seq).toBe(5);
      expect(s3Mock).toHaveReceivedCommandTimes(GetObjectCommand, 1);
      expect(s3Mock).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: BUCKET, Prefix: 'digests/', MaxKeys: 1 });
      expect(s3Mock.commandCalls(ListObjectsV2Command).length).toBeLessThanOrEqual(8);
    });

    it('answers none when the bucket holds no digest', async () => {
      s3Mock.on(ListObjectsV2Command).resolves({});

      expect(await new S3DigestStore(client, BUCKET).latest()).toBeUndefined();
    });
  });

  describe('S3DigestStore.after()', () => {
    it('lists the digests after a seq page by page and reads each, skipping objects that are no digest', async () => {
      // Arrange
      s3Mock
        .on(ListObjectsV2Command, { StartAfter: digestKey(1), ContinuationToken: undefined })
        .resolves({ Contents: [{ Key: digestKey(2) }, { Key: 'digests/notes.txt' }], IsTruncated: true, NextContinuationToken: 't' })
        .on(ListObjectsV2Command, { StartAfter: digestKey(1), ContinuationToken: 't' })
        .resolves({ Contents: [{ Key: digestKey(3) }], IsTruncated: false });
      s3Mock.on(GetObjectCommand, { Key: digestKey(2) }).resolves({ Body: body(signed(2)) as never });
      s3Mock.on(GetObjectCommand, { Key: digestKey(3) }).resolves({ Body: body(signed(3)) as never });

      // Act
      const seen: number[] = [];
      for await (const d of new S3DigestStore(client, BUCKET).after(1)) seen.push(d.digest.seq);

      // Assert
      expect(seen).toEqual([2, 3]);
    });
  });
});
