import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { BuildEnvironmentVariableType, BuildSpec, type CfnProject, ComputeType, type IBuildImage, LinuxBuildImage, Project } from 'aws-cdk-lib/aws-codebuild';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
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
   * @default LinuxBuildImage.AMAZON_LINUX_2_5 (Amazon Linux 2023, Node.js 22 available)
   */
  readonly buildImage?: IBuildImage;
  /**
   * The Node.js major version installed before the test command (the targets run on nodejs22.x).
   * @default '22'
   */
  readonly nodeVersion?: string;
  /**
   * Longest a test run may take before CodeBuild stops it (and the change fails its tests).
   * @default Duration.minutes(20)
   */
  readonly timeout?: Duration;
  /**
   * @default RetentionDays.ONE_YEAR
   */
  readonly logRetention?: RetentionDays;
}

/**
 * The CodeBuild project that tests a change before anyone is asked to approve it. The workflow's
 * `RunTests` state starts it with `CMV_ARTIFACT_URI` (an s3:// zip), `CMV_TEST_SUITES` (the suites
 * the policy requires, `[{suite, command}]`) and `CMV_REPORT_URI`; the build unzips the artifact,
 * runs the suites one by one with SUITE_RUNNER_SCRIPT (the same script the local CodeBuild runs)
 * and uploads the per-suite report. A failed suite fails the build, which fails the task (`States.TaskFailed`).
 */
export class ChangeTestProject extends Construct {
  readonly project: Project;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ChangeTestProjectProps) {
    super(scope, id);
    const projectName = props.projectName ?? 'cmv-change-tests';
    // The name CodeBuild would use by default, so the logging permission CDK adds to the role matches this group.
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/codebuild/${projectName}`,
      retention: props.logRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.project = new Project(this, 'Project', {
      projectName,
      description: 'CMV: runs a change’s test command on its candidate artifact before approval',
      environment: { buildImage: props.buildImage ?? LinuxBuildImage.AMAZON_LINUX_2_5, computeType: ComputeType.SMALL, privileged: false },
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
      timeout: props.timeout ?? Duration.minutes(20),
      queuedTimeout: Duration.hours(1),
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
