import { SFNClient } from '@aws-sdk/client-sfn';
import { StepFunctionsWorkflow } from '../../adapters/step-functions';
import type { Workflow } from '../../core/ports';
import { traced } from '../observability';

/** The `workflow` port in AWS: CMV's state machine (STATE_MACHINE_ARN) through Step Functions. */
export const stepFunctionsWorkflow = (): Workflow => new StepFunctionsWorkflow(traced(new SFNClient({})), process.env.STATE_MACHINE_ARN ?? '');
