import { CreateScheduleCommand } from '@aws-sdk/client-scheduler';
import type { WakeScheduler } from '../core/ports';
import type { AwsClient } from './aws-client';

/** Where the wake-ups go: the schedule group, the function they invoke and the role they invoke it with. */
export interface WakeTarget {
  /** The schedule group CMV's wake-ups are created in (the stack's, so that grants name it). */
  readonly groupName: string;
  /** The function a wake-up invokes with `{changeId}` (lambdas/handlers/scheduled/wake-due.ts). */
  readonly functionArn: string;
  /** The role EventBridge Scheduler assumes to invoke it. */
  readonly roleArn: string;
}

/**
 * Wake-ups of the workflow's timed waits as EventBridge Scheduler one-time schedules: `at()` of the
 * deadline rounded up to the second (the expression has no fractions, and a wake must never come
 * before its deadline), in UTC, with no flexible window, invoking the wake function with
 * `{changeId}`, and deleted by the scheduler once it has run (ActionAfterCompletion DELETE). A
 * schedule of the same name already existing (ConflictException: the same wait entered again) is fine.
 */
export class EventBridgeWakeScheduler implements WakeScheduler {
  constructor(
    private readonly scheduler: AwsClient,
    private readonly target: WakeTarget,
  ) {}

  async wakeAt(name: string, at: Date, changeId: string): Promise<void> {
    try {
      await this.scheduler.send(
        new CreateScheduleCommand({
          Name: name,
          GroupName: this.target.groupName,
          ScheduleExpression: atExpression(at),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Description: `CMV: wake the workflow of change ${changeId}`.slice(0, 512),
          Target: {
            Arn: this.target.functionArn,
            RoleArn: this.target.roleArn,
            Input: JSON.stringify({ changeId }),
            // A wake that cannot be delivered within an hour is the sweep's (every 5 minutes) to deliver.
            RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 10 },
          },
        }),
      );
    } catch (err) {
      if ((err as Error).name !== 'ConflictException') throw err;
    }
  }
}

/** `at(yyyy-mm-ddThh:mm:ss)` of `time` in UTC, rounded up to the next whole second. */
export function atExpression(time: Date): string {
  const seconds = Math.ceil(time.getTime() / 1000);
  return `at(${new Date(seconds * 1000).toISOString().slice(0, 19)})`;
}
