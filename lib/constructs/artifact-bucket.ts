import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource, allow, allowKeyVia, KEY_DECRYPT, KEY_ENCRYPT_DECRYPT } from './grants';

/** Properties of an {@link ArtifactBucket}. */
export interface ArtifactBucketProps {
  /** The key that encrypts every artifact (SSE-KMS with an S3 bucket key). */
  readonly encryptionKey: IKey;
  /**
   * How long server access logs are kept.
   * @default Duration.days(365)
   */
  readonly accessLogRetention?: Duration;
}

/**
 * Where change artifacts (zips) and diffs live: SSE-KMS with the app key, versioned, TLS only, no
 * public access, retained with the stack. S3 server access logs go to a separate bucket (SSE-S3:
 * log delivery cannot write SSE-KMS objects).
 */
export class ArtifactBucket extends Construct {
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;
  private readonly encryptionKey: IKey;

  constructor(scope: Construct, id: string, props: ArtifactBucketProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      lifecycleRules: [{ expiration: props.accessLogRetention ?? Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new Bucket(this, 'Artifacts', {
      encryption: BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'artifacts/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** The bucket's name. */
  get bucketName(): string {
    return this.bucket.bucketName;
  }

  /** Allows s3:GetObject on the artifacts (object keys are content hashes, so `/*`) and decrypting them. */
  grantReadObjects(grantee: IGrantable): Grant {
    allowKeyVia(grantee, this.encryptionKey, 's3', KEY_DECRYPT);
    this.acknowledgeObjects(grantee, 'read');
    return allow(grantee, ['s3:GetObject'], [this.bucket.arnForObjects('*')]);
  }

  /** Allows s3:PutObject of artifacts (no delete, no ACLs; versioning keeps overwritten ones) and encrypting them. */
  grantPutObjects(grantee: IGrantable): Grant {
    allowKeyVia(grantee, this.encryptionKey, 's3', KEY_ENCRYPT_DECRYPT);
    this.acknowledgeObjects(grantee, 'write');
    return allow(grantee, ['s3:PutObject'], [this.bucket.arnForObjects('*')]);
  }

  /**
   * What an AWS Signer job started by `grantee` does with its access: reads an artifact's object
   * version (`artifacts/…`, s3:GetObjectVersion) and writes the signed zip under `signedPrefix`
   * (s3:PutObject, encrypted with the bucket's key), and nothing else.
   */
  grantSigningJobs(grantee: IGrantable, signedPrefix: string): void {
    allowKeyVia(grantee, this.encryptionKey, 's3', KEY_ENCRYPT_DECRYPT);
    const logicalId = Stack.of(this).resolve((this.bucket.node.defaultChild as CfnBucket).logicalId);
    allow(grantee, ['s3:GetObjectVersion'], [this.bucket.arnForObjects('artifacts/*')]);
    acknowledgeWildcardResource(
      grantee,
      `<${logicalId}.Arn>/artifacts/*`,
      'Artifacts only, by object version: the one a signing job signs (keys are per target and content hash).',
    );
    allow(grantee, ['s3:PutObject'], [this.bucket.arnForObjects(`${signedPrefix}*`)]);
    acknowledgeWildcardResource(grantee, `<${logicalId}.Arn>/${signedPrefix}*`, 'Signed zips only, which Signer names by its job id.');
  }

  private acknowledgeObjects(grantee: IGrantable, access: 'read' | 'write'): void {
    const logicalId = Stack.of(this).resolve((this.bucket.node.defaultChild as CfnBucket).logicalId);
    acknowledgeWildcardResource(
      grantee,
      `<${logicalId}.Arn>/*`,
      `Objects of the artifact bucket only, to ${access}: keys are per target and content hash (artifacts/<target>/<sha256>.zip, diffs/…), so they cannot be listed in advance.`,
    );
  }
}
