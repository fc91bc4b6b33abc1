import * as z from 'zod';
import { rollBackOnAlarm } from '../../core/use-cases/alarm-rollback';
import type { Services } from '../../core/use-cases/services';
import { codeDeployDeployments } from '../aws/codedeploy';
import { lambdaFunctions } from '../aws/lambda';
import { stepFunctionsWorkflow } from '../aws/step-functions';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { observed } from '../observability';

/** The part of a "CloudWatch Alarm State Change" event it reads. */
const AlarmEvent = z.object({
  detail: z.object({
    alarmName: z.string(),
    state: z.object({ value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']), reason: z.string().default(''), timestamp: z.string() }),
  }),
});

/** Event-driven rollback: an alarm guarding a deploying change went to ALARM. */
export const makeHandler = (svc: Services) =>
  observed(async (event: unknown) => {
    const { detail } = AlarmEvent.parse(event);
    return rollBackOnAlarm(svc, {
      alarmName: detail.alarmName,
      state: detail.state.value,
      reason: detail.state.reason,
      // CloudWatch writes "2026-11-22T10:00:00.000+0000", which Date parses once the offset has a colon.
      at: new Date(detail.state.timestamp.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')).toISOString(),
    });
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { functions: lambdaFunctions, workflow: stepFunctionsWorkflow, codeDeploy: codeDeployDeployments };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
