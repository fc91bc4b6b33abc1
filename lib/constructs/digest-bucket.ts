import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, Grant, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, type IBucket, ObjectLockRetention, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource, allow } from './grants';

/** Properties of a {@link DigestBucket}. */
export interface DigestBucketProps {
  /**
   * How long each digest is locked (S3 Object Lock, compliance mode: nobody, the account's root
   * included, can delete or overwrite a digest version before then).
   * @default Duration.days(7 * 365)
   */
  readonly retention?: Duration;
  /** Where S3 server access logs of the bucket go. */
  readonly accessLogs: IBucket;
}

/** Where digests are stored in the bucket (lambdas/adapters/s3-digests.ts). */
export const DIGEST_PREFIX = 'digests/';

/**
 * The signed digests of the audit ledger, where CMV's own roles cannot rewrite them: S3 Object Lock
 * in compliance mode (a default retention on every version), versioned, SSE-S3 (a digest must stay
 * readable even if CMV's KMS key is disabled), TLS only, no public access, retained with the stack.
 * Its bucket policy applies to every principal: a digest is put only with `If-None-Match: *` (never
 * over another), and no one deletes one (no delete markers hiding a digest), changes its retention,
 * bypasses governance or sets a lifecycle rule (which could expire current versions).
 */
export class DigestBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: DigestBucketProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Digests', {
      objectLockEnabled: true,
      objectLockDefaultRetention: ObjectLockRetention.compliance(props.retention ?? Duration.days(7 * 365)),
      versioned: true,
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'digests/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'DigestsAreOnlyCreatedNeverOverwritten',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { Null: { 's3:if-none-match': 'true' } },
      }),
    );
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'DigestsAreNeverDeletedOrUnlocked',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectRetention', 's3:PutObjectLegalHold', 's3:BypassGovernanceRetention'],
        resources: [this.bucket.arnForObjects('*')],
      }),
    );
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'DigestLocksStay',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['s3:PutBucketObjectLockConfiguration', 's3:PutLifecycleConfiguration'],
        resources: [this.bucket.bucketArn],
      }),
    );
  }

  /** The bucket's name. */
  get bucketName(): string {
    return this.bucket.bucketName;
  }

  /** Allows reading digests: s3:ListBucket under the digest prefix and s3:GetObject of digests. */
  grantReadDigests(grantee: IGrantable): Grant {
    this.acknowledgeObjects(grantee, 'read');
    Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
      conditions: { StringEquals: { 's3:prefix': DIGEST_PREFIX } },
    });
    return allow(grantee, ['s3:GetObject'], [this.bucket.arnForObjects(`${DIGEST_PREFIX}*`)]);
  }

  /** Allows putting new digests (s3:PutObject; the bucket policy refuses it without If-None-Match, and Object Lock keeps every version). */
  grantPutDigests(grantee: IGrantable): Grant {
    this.acknowledgeObjects(grantee, 'write');
    return allow(grantee, ['s3:PutObject'], [this.bucket.arnForObjects(`${DIGEST_PREFIX}*`)]);
  }

  private acknowledgeObjects(grantee: IGrantable, access: 'read' | 'write'): void {
    const logicalId = Stack.of(this).resolve((this.bucket.node.defaultChild as CfnBucket).logicalId);
    acknowledgeWildcardResource(
      grantee,
      `<${logicalId}.Arn>/digests/*`,
      `Digests of the audit ledger only, to ${access}: one object per digest seq (digests/<seq>.json), not known in advance.`,
    );
  }
}
