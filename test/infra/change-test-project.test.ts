import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { LinuxArmBuildImage, LinuxBuildImage } from 'aws-cdk-lib/aws-codebuild';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Architecture, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { STATE_MACHINE_FILE, WORKFLOW_FUNCTIONS, type WorkflowPlaceholder } from '../../lambdas/handlers/workflow/registry';
import { ArtifactBucket } from '../../lib/constructs/artifact-bucket';
import { ChangeTestProject, type ChangeTestProjectProps } from '../../lib/constructs/change-test-project';
import { CmvWorkflow } from '../../lib/constructs/cmv-workflow';
import { TEST_BUILD_TIMEOUTS, TEST_TASK_MARGIN_MINUTES } from '../../lib/test-build-timeouts';

type AslState = { Type: string; Resource?: string; TimeoutSeconds?: number };
const asl = JSON.parse(readFileSync(path.resolve(__dirname, '../..', STATE_MACHINE_FILE), 'utf8')) as { States: Record<string, AslState> };
const testBuildTasks = Object.entries(asl.States).filter(([, s]) => s.Resource === 'arn:aws:states:::codebuild:startBuild.sync');

// The feature flag CmvStack sets for its buckets' access logs.
const newStack = () => new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [], '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true } }), 'S');
const projectIn = (stack: Stack, props: Partial<ChangeTestProjectProps> = {}) => {
  const encryptionKey = new Key(stack, 'Key');
  return new ChangeTestProject(stack, 'ChangeTests', { artifacts: new ArtifactBucket(stack, 'Artifacts', { encryptionKey }), encryptionKey, ...props });
};

describe('ChangeTestProject', () => {
  it('runs the test build on aarch64 Linux by default, the architecture the targets run on (arm64)', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    projectIn(stack);
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: { Type: 'ARM_CONTAINER', Image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0', ComputeType: 'BUILD_GENERAL1_SMALL' },
    });
  });

  it('runs the test build on x86_64 Linux for x86_64 targets', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    projectIn(stack, { architecture: Architecture.X86_64 });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::CodeBuild::Project', { Environment: { Type: 'LINUX_CONTAINER' } });
  });

  it('rejects a build image of another architecture than the targets’', () => {
    // GIVEN
    const stack = newStack();
    // WHEN / THEN
    expect(() => projectIn(stack, { buildImage: LinuxBuildImage.AMAZON_LINUX_2_5 })).toThrow(
      /the build image aws\/codebuild\/amazonlinux2-x86_64-standard:5.0 runs LINUX_CONTAINER, not the targets' architecture arm64 \(ARM_CONTAINER\)/,
    );
    expect(() => projectIn(newStack(), { buildImage: LinuxArmBuildImage.AMAZON_LINUX_2023_STANDARD_2_0 })).not.toThrow();
  });

  it('waits in the queue and runs for the minutes of TEST_BUILD_TIMEOUTS, and reports the longest a build may take', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    const project = projectIn(stack);
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::CodeBuild::Project', {
      QueuedTimeoutInMinutes: TEST_BUILD_TIMEOUTS.queuedMinutes,
      TimeoutInMinutes: TEST_BUILD_TIMEOUTS.buildMinutes,
    });
    expect(project.maxDuration.toMinutes()).toBe(TEST_BUILD_TIMEOUTS.queuedMinutes + TEST_BUILD_TIMEOUTS.buildMinutes);
  });

  it('installs the service’s dependencies (npm ci from its lockfile) in the build, before its suites', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    projectIn(stack);
    // THEN: the runner script the buildspec runs does the install.
    Template.fromStack(stack).hasResourceProperties('AWS::CodeBuild::Project', {
      Source: { BuildSpec: Match.stringLikeRegexp('npm ci --no-audit --no-fund') },
    });
  });
});

describe('statemachines/change-lifecycle.asl.json test builds', () => {
  it.each(testBuildTasks.map(([name, state]) => [name, state] as const))(
    '%s waits longer than the test build may queue and run (TEST_BUILD_TIMEOUTS plus the margin)',
    (_name, state) => {
      // THEN
      expect(state.TimeoutSeconds).toBeGreaterThanOrEqual(
        (TEST_BUILD_TIMEOUTS.queuedMinutes + TEST_BUILD_TIMEOUTS.buildMinutes + TEST_TASK_MARGIN_MINUTES) * 60,
      );
    },
  );

  it('has the test build tasks the check covers', () => {
    expect(testBuildTasks.map(([name]) => name).sort()).toEqual(['RunDeferredTests', 'RunTests']);
  });
});

describe('CmvWorkflow() with a test project', () => {
  const functionsOf = (stack: Stack) =>
    Object.fromEntries(
      (Object.keys(WORKFLOW_FUNCTIONS) as WorkflowPlaceholder[]).map((p) => [
        p,
        new LambdaFunction(stack, p, { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler=1') }),
      ]),
    ) as Record<WorkflowPlaceholder, LambdaFunction>;

  it('rejects a test project whose queued + build timeouts outlast the workflow’s wait for the build', () => {
    // GIVEN a project allowed to queue 60 min and run 2 h
    const stack = newStack();
    const project = projectIn(stack, { timeout: Duration.hours(2) });
    // WHEN / THEN
    expect(() => new CmvWorkflow(stack, 'Workflow', { functions: functionsOf(stack), testProject: project })).toThrow(
      /RunTests waits 5400 s for a test build, which may queue and run for 10800 s \(\+ 300 s margin\): raise its TimeoutSeconds in .*change-lifecycle\.asl\.json or lower the project's timeouts/,
    );
  });

  it('accepts the default test project', () => {
    // GIVEN
    const stack = newStack();
    // WHEN / THEN
    expect(() => new CmvWorkflow(stack, 'Workflow', { functions: functionsOf(stack), testProject: projectIn(stack) })).not.toThrow();
  });
});
