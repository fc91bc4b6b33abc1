import { ConflictException, CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { atExpression, EventBridgeWakeScheduler } from '../../../lambdas/adapters/wake-scheduler';

const schedulerMock = mockClient(SchedulerClient);
const client = new SchedulerClient({ region: 'eu-central-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const TARGET = {
  groupName: 'Cmv-Wakes-Group-1A2B3C4D',
  functionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:Cmv-WakesWakeDue',
  roleArn: 'arn:aws:iam::123456789012:role/Cmv-WakesSchedulerRole',
};

describe('wake-scheduler', () => {
  let wakes: EventBridgeWakeScheduler;
  beforeEach(() => {
    schedulerMock.reset();
    wakes = new EventBridgeWakeScheduler(client, TARGET);
  });

  describe('EventBridgeWakeScheduler.wakeAt()', () => {
    it("creates a one-time schedule at the deadline, rounded up to the second, in UTC, without a flexible window, deleted after it ran, invoking the wake function with the change's id", async () => {
      // Arrange
      schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:…' });

      // Act
      await wakes.wakeAt('c-1.b0123456789abcdef', new Date('2026-03-01T10:10:00.250Z'), 'c-1');

      // Assert
      expect(schedulerMock).toHaveReceivedCommandWith(CreateScheduleCommand, {
        Name: 'c-1.b0123456789abcdef',
        GroupName: TARGET.groupName,
        ScheduleExpression: 'at(2026-03-01T10:10:01)',
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: expect.objectContaining({ Arn: TARGET.functionArn, RoleArn: TARGET.roleArn, Input: '{"changeId":"c-1"}' }),
      });
    });

    it('takes a schedule of the same name that already exists (ConflictException: the same wait entered again) as done', async () => {
      schedulerMock
        .on(CreateScheduleCommand)
        .rejects(new ConflictException({ Message: 'Schedule c-1.b1 already exists.', message: 'Schedule c-1.b1 already exists.', $metadata: {} }));

      await expect(wakes.wakeAt('c-1.b1', new Date('2026-03-01T10:10:00.000Z'), 'c-1')).resolves.toBeUndefined();
    });

    it('rejects with the scheduler error otherwise', async () => {
      schedulerMock.on(CreateScheduleCommand).rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }));

      await expect(wakes.wakeAt('c-1.b1', new Date('2026-03-01T10:10:00.000Z'), 'c-1')).rejects.toMatchObject({ name: 'AccessDeniedException' });
    });
  });

  describe('atExpression()', () => {
    it('keeps a whole second and rounds anything after it up, never before the deadline', () => {
      expect(atExpression(new Date('2026-03-01T10:10:00.000Z'))).toBe('at(2026-03-01T10:10:00)');
      expect(atExpression(new Date('2026-03-01T23:59:59.001Z'))).toBe('at(2026-03-02T00:00:00)');
    });
  });
});
