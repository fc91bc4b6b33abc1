import { SendTaskFailureCommand, SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SpentTaskTokenError, WorkflowExistsError } from '../core/errors';
import type { Workflow } from '../core/ports';
import type { AwsClient } from './aws-client';

/** Step Functions' refusals of a task token whose wait already ended (answered, timed out, execution stopped). */
const SPENT_TOKEN_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/**
 * The change-lifecycle state machine: start (execution name = change id) and resume by task token.
 * Errors: ExecutionAlreadyExists → WorkflowExistsError; TaskTimedOut, TaskDoesNotExist and
 * InvalidToken → SpentTaskTokenError; the rest as the SDK throws them.
 */
export class StepFunctionsWorkflow implements Workflow {
  constructor(
    private readonly sfn: AwsClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(name: string, input: Record<string, unknown>): Promise<string> {
    const out = await this.sfn
      .send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }))
      .catch((err: Error) => {
        throw err?.name === 'ExecutionAlreadyExists' ? new WorkflowExistsError(err.message, { cause: err }) : err;
      });
    if (!out.executionArn) throw new Error('StartExecution returned no executionArn');
    return out.executionArn;
  }

  async resume(taskToken: string, output: Record<string, unknown>): Promise<void> {
    await this.sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })).catch(spentToken);
  }

  async fail(taskToken: string, error: string, cause: string): Promise<void> {
    await this.sfn.send(new SendTaskFailureCommand({ taskToken, error, cause: cause.slice(0, 32_768) })).catch(spentToken);
  }
}

function spentToken(err: Error): never {
  throw SPENT_TOKEN_ERRORS.has(err?.name) ? new SpentTaskTokenError(err.message, { cause: err }) : err;
}
