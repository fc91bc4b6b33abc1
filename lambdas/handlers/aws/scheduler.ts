import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { EventBridgeWakeScheduler } from '../../adapters/wake-scheduler';
import type { WakeScheduler } from '../../core/ports';
import type { Port } from '../build-services';
import { traced } from '../observability';

/**
 * The `wakes` port: one-time EventBridge Scheduler schedules in the wake group that invoke the wake
 * function under the scheduler's role (`names.wakes`; in AWS all three set by `CmvWakes` on the
 * function that schedules wake-ups).
 */
export const eventBridgeWakes: Port<WakeScheduler> = {
  sdkClient: () => traced(new SchedulerClient({})),
  adapter: (scheduler, names) => new EventBridgeWakeScheduler(scheduler, names.wakes),
};
