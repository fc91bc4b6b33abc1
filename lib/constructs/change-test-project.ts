import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  BuildEnvironmentVariableType,
  BuildSpec,
  type CfnProject,
  ComputeType,
  EnvironmentType,
  type IBuildImage,
  LinuxArmBuildImage,
  LinuxBuildImage,
  Project,
} from 'aws-cdk-lib/aws-codebuild';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { TEST_BUILD_TIMEOUTS } from '../test-build-timeouts';
import { SUITE_RUNNER_SCRIPT } from '../test-suite-runner';
import type { ArtifactBucket } from './artifact-bucket';
import { acknowledgeWildcardResource, allow, KEY_ENCRYPT_DECRYPT } from './grants';

/** Properties of a {@link ChangeTestProject}. */
export interface ChangeTestProjectProps {
  /** The bucket the candidate artifacts are read from (read access only). */
  readonly artifacts: ArtifactBucket;
  /** The key CodeBuild encrypts its build output with. */
  readonly encryptionKey: IKey;
  /**
   * The CodeBuild project's name; the state machine refers to it as `${TestProjectName}`.
   * @default 'cmv-change-tests'
   */
  readonly projectName?: string;
  /**
   * The architecture the targets run on: the tests run on it too, so native dependencies and
   * architecture-specific behaviour are tested as they will run.
   * @default Architecture.ARM_64 (the targets' functions are arm64)
   */
  readonly architecture?: Architecture;
  /**
   * An image of `architecture`.
   * @default LinuxArmBuildImage.AMAZON_LINUX_2023_STANDARD_3_0 for arm64 (Amazon Linux 2023 aarch64, Node.js 22 available),
   *   LinuxBuildImage.AMAZON_LINUX_2_5 for x86_64
   */
  readonly buildImage?: IBuildImage;
  /**
   * The Node.js major version installed before the test command (the targets run on nodejs22.x).
   * @default '22'
   */
  readonly nodeVersion?: string;
  /**
   * Longest a test run (install and suites) may take before CodeBuild stops it.
   * @default Duration.minutes(TEST_BUILD_TIMEOUTS.buildMinutes) (20 min)
   */
  readonly timeout?: Duration;
  /**
   * Longest a build may wait for CodeBuild capacity before CodeBuild gives up on it.
   * @default Duration.minutes(TEST_BUILD_TIMEOUTS.queuedMinutes) (60 min)
   */
  readonly queuedTimeout?: Duration;
  /**
   * @default RetentionDays.ONE_YEAR
   */
  readonly logRetention?: RetentionDays;
}

/**
 * The CodeBuild project that tests a change before anyone is asked to approve it. The workflow's
 * `RunTests` state starts it with `CMV_ARTIFACT_URI` (an s3:// zip), `CMV_TEST_SUITES` (the suites
 * the policy requires, `[{suite, command}]`) and `CMV_REPORT_URI`; the build unzips the artifact,
 * runs SUITE_RUNNER_SCRIPT (the same script the local CodeBuild runs: `npm ci` when the service has
 * a lockfile, then the suites one by one) and uploads the per-suite report. A failed suite fails
 * the build, which fails the task (`States.TaskFailed`). It runs on the targets' architecture (arm64).
 * @throws Error when `buildImage` is not of `architecture`
 */
export class ChangeTestProject extends Construct {
  readonly project: Project;
  readonly logGroup: LogGroup;
  /** Longest a build may take from StartBuild to its end: queued timeout + build timeout. */
  readonly maxDuration: Duration;

  constructor(scope: Construct, id: string, props: ChangeTestProjectProps) {
    super(scope, id);
    const projectName = props.projectName ?? 'cmv-change-tests';
    const architecture = props.architecture ?? Architecture.ARM_64;
    const arm = architecture.name === Architecture.ARM_64.name;
    const buildImage = props.buildImage ?? (arm ? LinuxArmBuildImage.AMAZON_LINUX_2023_STANDARD_3_0 : LinuxBuildImage.AMAZON_LINUX_2_5);
    const environmentType = arm ? EnvironmentType.ARM_CONTAINER : EnvironmentType.LINUX_CONTAINER;
    if (buildImage.type !== environmentType) {
      throw new Error(`the build image ${buildImage.imageId} runs ${buildImage.type}, not the targets' architecture ${architecture.name} (${environmentType})`);
    }
    const timeout = props.timeout ?? Duration.minutes(TEST_BUILD_TIMEOUTS.buildMinutes);
    const queuedTimeout = props.queuedTimeout ?? Duration.minutes(TEST_BUILD_TIMEOUTS.queuedMinutes);
    this.maxDuration = Duration.minutes(timeout.toMinutes() + queuedTimeout.toMinutes());
    // The name CodeBuild would use by default, so the logging permission CDK adds to the role matches this group.
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/codebuild/${projectName}`,
      retention: props.logRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.project = new Project(this, 'Project', {
      projectName,
      description: 'CMV: runs a change’s test command on its candidate artifact before approval',
      environment: { buildImage, computeType: ComputeType.SMALL, privileged: false },
      environmentVariables: {
        CMV_CHANGE_ID: { type: BuildEnvironmentVariableType.PLAINTEXT, value: '' },
        CMV_ARTIFACT_URI: { type: BuildEnvironmentVariableType.PLAINTEXT, value: '' },
        CMV_TEST_SUITES: { type: BuildEnvironmentVariableType.PLAINTEXT, value: '[]' },
        CMV_REPORT_URI: { type: BuildEnvironmentVariableType.PLAINTEXT, value: '' },
      },
      buildSpec: BuildSpec.fromObject({
        version: '0.2',
        env: { shell: 'bash' },
        phases: {
          install: { 'runtime-versions': { nodejs: props.nodeVersion ?? '22' } },
          build: {
            commands: [
              'set -euo pipefail',
              'test -n "$CMV_ARTIFACT_URI" && test -n "$CMV_REPORT_URI"',
              'echo "CMV change $CMV_CHANGE_ID: testing $CMV_ARTIFACT_URI"',
              'WORK_DIR="$(mktemp -d)"',
              'aws s3 cp --only-show-errors "$CMV_ARTIFACT_URI" "$WORK_DIR/artifact.zip"',
              'mkdir "$WORK_DIR/src" && unzip -q "$WORK_DIR/artifact.zip" -d "$WORK_DIR/src"',
              `cd "$WORK_DIR/src" && status=0 && node -e '${SUITE_RUNNER_SCRIPT}' "$WORK_DIR/report.json" || status=$?`,
              'aws s3 cp --only-show-errors "$WORK_DIR/report.json" "$CMV_REPORT_URI"',
              'exit "$status"',
            ],
          },
        },
      }),
      timeout,
      queuedTimeout,
      logging: { cloudWatch: { logGroup: this.logGroup } },
      // No test reports: without this CDK grants codebuild:CreateReport* on `report-group/<name>-*`.
      grantReportGroupPermissions: false,
    });
    // Set the key on the L1 resource rather than through `encryptionKey`, which would also grant the
    // role kms:ReEncrypt* and kms:GenerateDataKey* (wildcard actions); the named actions suffice.
    const cfnProject = this.project.node.defaultChild as CfnProject;
    cfnProject.encryptionKey = props.encryptionKey.keyArn;
    allow(this.project, KEY_ENCRYPT_DECRYPT, [props.encryptionKey.keyArn]);
    // CDK always grants the project's default log group: `/aws/codebuild/<name>` and `…:*`.
    acknowledgeWildcardResource(
      this.project,
      `arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/codebuild/<${Stack.of(this).resolve(cfnProject.logicalId)}>:*`,
      'The log streams of this project’s own log group (/aws/codebuild/<project>): CodeBuild creates one stream per build.',
    );
    props.artifacts.grantReadObjects(this.project);
    // The per-suite report: reports/<changeId>/tests.json.
    props.artifacts.grantPutObjects(this.project);
  }

  /** The project's name. */
  get projectName(): string {
    return this.project.projectName;
  }

  /** The project's ARN. */
  get projectArn(): string {
    return this.project.projectArn;
  }
}
