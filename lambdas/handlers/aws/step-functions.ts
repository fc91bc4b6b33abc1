import { SFNClient } from '@aws-sdk/client-sfn';
import { StepFunctionsWorkflow } from '../../adapters/step-functions';
import type { Workflow } from '../../core/ports';
import type { Port } from '../build-services';
import { traced } from '../observability';

/** The `workflow` port: CMV's state machine `names.stateMachineArn` through Step Functions. */
export const stepFunctionsWorkflow: Port<Workflow> = {
  sdkClient: () => traced(new SFNClient({})),
  adapter: (sfn, names) => new StepFunctionsWorkflow(sfn, names.stateMachineArn),
};
