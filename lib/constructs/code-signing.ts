import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { CodeSigningConfig, UntrustedArtifactOnDeployment } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type CfnSigningProfile, Platform, SigningProfile } from 'aws-cdk-lib/aws-signer';
import { Construct } from 'constructs';
import { CODE_SIGNING_SIGNED_PREFIX } from '../../lambdas/core/code-signing';
import type { ArtifactBucket } from './artifact-bucket';
import { acknowledgeWildcardResource, allow } from './grants';

/** Properties of a {@link CodeSigning}. */
export interface CodeSigningProps {
  /** The versioned bucket the signing jobs read the artifacts from and write the signed zips to. */
  readonly artifacts: ArtifactBucket;
  /**
   * How long a signature stays valid: Lambda refuses code whose signature expired (a version
   * published before stays published and can still be activated).
   * @default Duration.days(365 * 5)
   */
  readonly signatureValidity?: Duration;
}

/**
 * AWS Signer code signing of the code CMV deploys: one signing profile (platform
 * AWSLambda-SHA384-ECDSA) and one Lambda code signing configuration that allows only it, with
 * `UntrustedArtifactOnDeployment: Enforce` — every registered target's function gets it, so Lambda
 * itself refuses code that is unsigned, signed by another profile, expired, or altered after signing.
 * The profile's name derives from the stack's (Signer's names are letters, digits and underscores).
 */
export class CodeSigning extends Construct {
  readonly profile: SigningProfile;
  readonly config: CodeSigningConfig;
  readonly profileName: string;
  /** The log of the custom resource that attaches the configuration to the targets' functions (kept a year, as every CMV log). */
  readonly attachLogs: LogGroup;
  private readonly artifacts: ArtifactBucket;

  constructor(scope: Construct, id: string, props: CodeSigningProps) {
    super(scope, id);
    this.artifacts = props.artifacts;
    this.profileName = `${Stack.of(this).stackName.replace(/[^A-Za-z0-9_]/g, '_')}_code`;
    this.profile = new SigningProfile(this, 'Profile', {
      platform: Platform.AWS_LAMBDA_SHA384_ECDSA,
      signingProfileName: this.profileName,
      signatureValidity: props.signatureValidity ?? Duration.days(365 * 5),
    });
    // CDK's SigningProfile does not pass its name on to CloudFormation; the grants name the profile, so the template must too.
    (this.profile.node.defaultChild as CfnSigningProfile).addPropertyOverride('ProfileName', this.profileName);
    this.config = new CodeSigningConfig(this, 'Config', {
      signingProfiles: [this.profile],
      untrustedArtifactOnDeployment: UntrustedArtifactOnDeployment.ENFORCE,
      description: 'CMV: registered targets accept only code signed by CMV’s signing profile',
    });
    this.attachLogs = new LogGroup(this, 'AttachLogs', { retention: RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
  }

  /**
   * Lets `grantee` sign code and wait for it, and nothing more: StartSigningJob with this profile,
   * DescribeSigningJob, and — Signer reads the source and writes the signed zip with the caller's
   * access — s3:GetObjectVersion of the artifacts and s3:PutObject of the signed prefix alone. Sets
   * CODE_SIGNING_PROFILE_NAME on a function.
   */
  grantSign(grantee: IGrantable & { addEnvironment?(key: string, value: string): unknown }): void {
    const { partition, region, account } = Stack.of(this);
    allow(grantee, ['signer:StartSigningJob'], [`arn:${partition}:signer:${region}:${account}:/signing-profiles/${this.profileName}`]);
    const jobs = `arn:${partition}:signer:${region}:${account}:/signing-jobs/*`;
    allow(grantee, ['signer:DescribeSigningJob'], [jobs]);
    acknowledgeWildcardResource(
      grantee,
      'arn:<AWS::Partition>:signer:<AWS::Region>:<AWS::AccountId>:/signing-jobs/*',
      'Signing job ids are made by Signer when a job starts: only the jobs of this account, to read their status.',
    );
    this.artifacts.grantSigningJobs(grantee, CODE_SIGNING_SIGNED_PREFIX);
    grantee.addEnvironment?.('CODE_SIGNING_PROFILE_NAME', this.profileName);
  }
}
