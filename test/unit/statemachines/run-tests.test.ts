import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { STATE_MACHINE_FILE, WORKFLOW_FUNCTIONS } from '../../../lambdas/handlers/workflow/registry';
import { LocalStepFunctions, type LocalTask } from '../../../lib/local/step-functions';

const ROOT = join(__dirname, '..', '..', '..');
const ARN = 'arn:aws:states:local:000000000000:stateMachine:cmv-change-lifecycle';
const fnArn = (name: string) => `arn:aws:lambda:local:000000000000:function:cmv-${name}`;
const START_BUILD = 'arn:aws:states:::codebuild:startBuild.sync';

/** An error as Step Functions reports it for a task: its name and its cause. */
const awsError = (name: string, cause: string) => Object.assign(new Error(cause), { name });
/** CodeBuild's Build of a build that ended `status`, as the `.sync` integration reports it. */
const build = (status: string) => ({
  Id: 'cmv-change-tests:7d0c',
  Arn: 'arn:aws:codebuild:eu-west-1:111111111111:build/cmv-change-tests:7d0c',
  BuildStatus: status,
  Logs: { DeepLink: 'https://console.aws.amazon.com/cloudwatch/logs' },
});
const apiError = (code: string, message: string) =>
  `${message} (Service: AWSCodeBuild; Status Code: 400; Error Code: ${code}; Request ID: 5b1e2a3c-0000-4000-8000-000000000000; Proxy: null)`;

/**
 * The RunTests state of the real ASL file, run in the local Step Functions (aws-local-stepfunctions)
 * with each workflow function a stub that records its input, and `startBuild.sync` answering as AWS does.
 */
jest.setTimeout(30_000);

describe('statemachines/change-lifecycle.asl.json: RunTests', () => {
  let dir: string;
  let calls: { state: string; input: unknown }[];
  let startBuildAttempts: number;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-asl-'));
    calls = [];
    startBuildAttempts = 0;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs a change from PlanChange with the test build answering `startBuild`; returns the execution once it ended. */
  const run = async (startBuild: () => Promise<unknown>, recordTestsFailed: unknown = { status: 'tests_failed' }) => {
    const text = (await readFile(join(ROOT, STATE_MACHINE_FILE), 'utf8')).replace(/\$\{(\w+)\}/g, (whole, key: string) =>
      key === 'TestProjectName' ? 'cmv-change-tests' : key in WORKFLOW_FUNCTIONS ? fnArn(WORKFLOW_FUNCTIONS[key as keyof typeof WORKFLOW_FUNCTIONS]) : whole,
    );
    const results: Record<string, unknown> = {
      'plan-change': {
        artifactUri: 's3://cmv-artifacts/c-1.zip',
        suites: '[]',
        reportUri: 's3://cmv-artifacts/reports/c-1/tests.json',
        testsAfterDeploy: false,
      },
      'record-test-result': recordTestsFailed,
    };
    // Tests passed: the change waits for approval (a task token); the run ends there.
    let approvalRequested!: () => void;
    const waitingForApproval = new Promise<void>((resolve) => {
      approvalRequested = resolve;
    });
    const lambdas: Record<string, LocalTask> = {};
    for (const name of Object.values(WORKFLOW_FUNCTIONS)) {
      lambdas[fnArn(name)] = async (input) => {
        calls.push({ state: name, input });
        if (name === 'request-approval') approvalRequested();
        return results[name] ?? {};
      };
    }
    const sfn = new LocalStepFunctions({
      definition: JSON.parse(text),
      stateMachineArn: ARN,
      lambdas,
      integrations: {
        [START_BUILD]: async () => {
          startBuildAttempts++;
          return startBuild();
        },
      },
      dir,
      // Retry pauses divided by this: a backoff of minutes lasts milliseconds.
      speed: 100_000,
      // The local runtime's marks: the ASL file is validated once, not by every test.
      validatedDir: join(ROOT, 'node_modules', '.cache', 'cmv-asl'),
    });
    await sfn.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'c-1', input: JSON.stringify({ changeId: 'c-1' }) }));
    await Promise.race([sfn.idle(), waitingForApproval]);
    await sfn.stop();
    const execution = sfn.execution('c-1');
    if (!execution) throw new Error('no execution');
    return execution;
  };
  const called = (state: string) => calls.filter((c) => c.state === state).map((c) => c.input);

  it.each([
    ['throttled (retried, then still throttled)', 'CodeBuild.AWSCodeBuildException', apiError('ThrottlingException', 'Rate exceeded')],
    [
      'denied (the workflow role may not start the project)',
      'CodeBuild.AWSCodeBuildException',
      apiError(
        'AccessDeniedException',
        'User: arn:aws:sts::111111111111:assumed-role/Cmv-WorkflowRole/abc is not authorized to perform: codebuild:StartBuild on resource: arn:aws:codebuild:eu-west-1:111111111111:project/cmv-change-tests',
      ),
    ],
    [
      'given a project that does not exist',
      'CodeBuild.ResourceNotFoundException',
      apiError('ResourceNotFoundException', 'Project cannot be found: arn:aws:codebuild:eu-west-1:111111111111:project/cmv-change-tests'),
    ],
    [
      'over the account’s build limits (retried, then still over)',
      'CodeBuild.AccountLimitExceededException',
      apiError('AccountLimitExceededException', 'Cannot have more than 1 builds in queue for the account'),
    ],
    ['timed out waiting for the build', 'States.Timeout', 'The task did not complete within its timeout'],
  ])('ends the change failed with the reason, never tests_failed, when StartBuild is %s', async (_case, name, cause) => {
    // Arrange / Act
    const execution = await run(async () => {
      throw awsError(name, cause);
    });

    // Assert: RecordFailure got the error as caught; the tests were never recorded as failed.
    expect(called('record-test-result')).toEqual([]);
    expect(called('record-failure')).toEqual([{ changeId: 'c-1', outcome: 'failed', error: { Error: name, Cause: cause } }]);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'ChangeFailed' });
  });

  it.each([
    ['CodeBuild.AWSCodeBuildException', apiError('ThrottlingException', 'Rate exceeded')],
    ['CodeBuild.AccountLimitExceededException', apiError('AccountLimitExceededException', 'Cannot have more than 1 builds in queue for the account')],
  ])('retries StartBuild on %s and runs the tests once it starts', async (name, cause) => {
    // Arrange: refused twice, then the build runs and succeeds.
    const startBuild = async () => {
      if (startBuildAttempts <= 2) throw awsError(name, cause);
      return { Build: build('SUCCEEDED') };
    };

    // Act
    await run(startBuild);

    // Assert
    expect(startBuildAttempts).toBe(3);
    expect(called('record-test-result')).toEqual([
      { changeId: 'c-1', build: { buildId: 'cmv-change-tests:7d0c', buildStatus: 'SUCCEEDED', logs: expect.any(String) } },
    ]);
    expect(called('record-failure')).toEqual([]);
  });

  it('does not retry a project that does not exist', async () => {
    // Act
    await run(async () => {
      throw awsError('CodeBuild.ResourceNotFoundException', apiError('ResourceNotFoundException', 'Project cannot be found'));
    });

    // Assert
    expect(startBuildAttempts).toBe(1);
  });

  it('records the tests as failed when the build ran and failed (States.TaskFailed, the Build as cause), and ends in TestsFailed', async () => {
    // Arrange
    const cause = JSON.stringify(build('FAILED'));

    // Act
    const execution = await run(async () => {
      throw awsError('States.TaskFailed', cause);
    });

    // Assert
    expect(called('record-test-result')).toEqual([{ changeId: 'c-1', failure: { Error: 'States.TaskFailed', Cause: cause } }]);
    expect(called('record-failure')).toEqual([]);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'TestsFailed' });
  });

  it('ends in Failed when recording the failed build found it was not the tests (a FAULT or STOPPED build, no failing suite)', async () => {
    // Act: the build ended without a failing suite; the record step says the change failed.
    const execution = await run(
      async () => {
        throw awsError('States.TaskFailed', JSON.stringify(build('FAULT')));
      },
      { status: 'failed', reason: 'the test build ended FAULT' },
    );

    // Assert
    expect(called('record-test-result')).toHaveLength(1);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'ChangeFailed' });
  });
});
