import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { requireEnv } from '../../adapters/env';
import { EventBridgeWakeScheduler } from '../../adapters/wake-scheduler';
import type { WakeScheduler } from '../../core/ports';
import { traced } from '../observability';

/**
 * The `wakes` port in AWS: one-time EventBridge Scheduler schedules in the wake group
 * (WAKE_SCHEDULE_GROUP) that invoke the wake function (WAKE_FUNCTION_ARN) under the scheduler's role
 * (WAKE_ROLE_ARN), all three set by `CmvWakes` on the function that schedules wake-ups.
 * @throws Error when one of the three is not set
 */
export const eventBridgeWakes = (): WakeScheduler =>
  new EventBridgeWakeScheduler(traced(new SchedulerClient({})), {
    groupName: requireEnv('WAKE_SCHEDULE_GROUP'),
    functionArn: requireEnv('WAKE_FUNCTION_ARN'),
    roleArn: requireEnv('WAKE_ROLE_ARN'),
  });
