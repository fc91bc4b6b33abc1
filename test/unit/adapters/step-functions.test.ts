import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { StepFunctionsWorkflow } from '../../../lambdas/adapters/step-functions';
import { SpentTaskTokenError, WorkflowExistsError } from '../../../lambdas/core/errors';

const awsError = (name: string) => Object.assign(new Error(`${name}: from Step Functions`), { name });

const sfnMock = mockClient(SFNClient);
const client = new SFNClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:cmv-change-lifecycle';

describe('step-functions', () => {
  let workflow: StepFunctionsWorkflow;
  beforeEach(() => {
    sfnMock.reset();
    workflow = new StepFunctionsWorkflow(client, ARN);
  });

  describe('StepFunctionsWorkflow.start()', () => {
    it('starts an execution named after the change with the input as JSON', async () => {
      // Arrange
      const executionArn = `${ARN.replace(':stateMachine:', ':execution:')}:chg-1`;
      sfnMock.on(StartExecutionCommand).resolves({ executionArn, startDate: new Date() });

      // Act
      const arn = await workflow.start('chg-1', { changeId: 'chg-1', target: 'benefit-calculator' });

      // Assert
      expect(arn).toBe(executionArn);
      expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
        stateMachineArn: ARN,
        name: 'chg-1',
        input: JSON.stringify({ changeId: 'chg-1', target: 'benefit-calculator' }),
      });
    });

    it('rejects when StartExecution returns no executionArn', async () => {
      sfnMock.on(StartExecutionCommand).resolves({});

      await expect(workflow.start('chg-1', {})).rejects.toThrow('StartExecution returned no executionArn');
    });

    it('rejects with WorkflowExistsError when an execution of that name exists', async () => {
      sfnMock.on(StartExecutionCommand).rejects(awsError('ExecutionAlreadyExists'));

      await expect(workflow.start('chg-1', {})).rejects.toBeInstanceOf(WorkflowExistsError);
    });

    it('rejects with the SDK error otherwise', async () => {
      sfnMock.on(StartExecutionCommand).rejects(awsError('ThrottlingException'));

      await expect(workflow.start('chg-1', {})).rejects.toMatchObject({ name: 'ThrottlingException' });
    });
  });

  describe('StepFunctionsWorkflow.resume()', () => {
    it('sends task success with the output as JSON', async () => {
      sfnMock.on(SendTaskSuccessCommand).resolves({});

      await workflow.resume('token-1', { decision: 'approved' });

      expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 'token-1', output: '{"decision":"approved"}' });
      expect(sfnMock).toHaveReceivedCommandTimes(SendTaskFailureCommand, 0);
    });

    it.each(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'])('rejects with SpentTaskTokenError when Step Functions answers %s', async (name) => {
      sfnMock.on(SendTaskSuccessCommand).rejects(awsError(name));

      await expect(workflow.resume('token-1', {})).rejects.toBeInstanceOf(SpentTaskTokenError);
    });

    it('rejects with the SDK error when the token is not spent', async () => {
      sfnMock.on(SendTaskSuccessCommand).rejects(awsError('ThrottlingException'));

      await expect(workflow.resume('token-1', {})).rejects.toMatchObject({ name: 'ThrottlingException' });
    });
  });

  describe('StepFunctionsWorkflow.fail()', () => {
    it('sends task failure with the error name and cause', async () => {
      sfnMock.on(SendTaskFailureCommand).resolves({});

      await workflow.fail('token-1', 'ChangeRejected', 'bob rejected: not before the audit');

      expect(sfnMock).toHaveReceivedCommandWith(SendTaskFailureCommand, {
        taskToken: 'token-1',
        error: 'ChangeRejected',
        cause: 'bob rejected: not before the audit',
      });
      expect(sfnMock).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 0);
    });

    it('truncates the cause to the 32768 characters Step Functions allows', async () => {
      sfnMock.on(SendTaskFailureCommand).resolves({});

      await workflow.fail('token-1', 'DeploymentError', 'c'.repeat(40_000));

      expect(sfnMock.commandCalls(SendTaskFailureCommand)[0].args[0].input.cause).toHaveLength(32_768);
    });

    it('rejects with SpentTaskTokenError when the wait already ended', async () => {
      sfnMock.on(SendTaskFailureCommand).rejects(awsError('TaskTimedOut'));

      await expect(workflow.fail('token-1', 'ChangeRejected', 'no')).rejects.toBeInstanceOf(SpentTaskTokenError);
    });
  });
});
