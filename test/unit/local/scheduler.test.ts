import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  type CreateScheduleInput,
  DeleteScheduleCommand,
  GetScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { fireTime, LocalScheduler } from '../../../lib/local/scheduler';

/** `at(…)` of a time `ms` from now, rounded up to the second, in UTC. */
const atIn = (ms: number) => `at(${new Date(Math.ceil((Date.now() + ms) / 1000) * 1000).toISOString().slice(0, 19)})`;
const ROLE = 'arn:aws:iam::000000000000:role/cmv-scheduler';
const FN = 'arn:aws:lambda:local:000000000000:function:cmv-wake-due';

describe('LocalScheduler', () => {
  let dir: string;
  let scheduler: LocalScheduler;
  let invoked: { arn: string; input: unknown }[];
  let fired: Promise<void>;
  let onFire: () => void;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-scheduler-'));
    invoked = [];
    fired = new Promise((r) => {
      onFire = r;
    });
    scheduler = new LocalScheduler({
      dir,
      invoke: async (arn, input) => {
        invoked.push({ arn, input });
        onFire();
      },
    });
    await scheduler.send(new CreateScheduleGroupCommand({ Name: 'cmv-wakes' }));
  });
  afterEach(async () => {
    await scheduler.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** A valid one-time schedule of CMV's kind, `overrides` applied. */
  const schedule = (overrides: Partial<CreateScheduleInput> = {}): CreateScheduleInput => ({
    Name: 'c-1-s0-b0',
    GroupName: 'cmv-wakes',
    ScheduleExpression: atIn(60_000),
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    Target: { Arn: FN, RoleArn: ROLE, Input: '{"changeId":"c-1"}' },
    ...overrides,
  });

  describe('CreateSchedule', () => {
    it('invokes the target with its input once the time comes, then deletes the schedule (ActionAfterCompletion DELETE)', async () => {
      // Arrange
      await scheduler.send(new CreateScheduleCommand(schedule({ ScheduleExpression: atIn(1) })));

      // Act
      await fired;
      await scheduler.settled();

      // Assert
      expect(invoked).toEqual([{ arn: FN, input: { changeId: 'c-1' } }]);
      await expect(scheduler.send(new GetScheduleCommand({ GroupName: 'cmv-wakes', Name: 'c-1-s0-b0' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
    });

    it('rejects a second schedule of the same name in the group with ConflictException', async () => {
      await scheduler.send(new CreateScheduleCommand(schedule()));

      await expect(scheduler.send(new CreateScheduleCommand(schedule()))).rejects.toMatchObject({ name: 'ConflictException' });
    });

    it.each([
      ['a name with a space', { Name: 'c 1' }, /Name/],
      ['a name of 65 characters', { Name: 'x'.repeat(65) }, /Name/],
      ['a rate expression', { ScheduleExpression: 'rate(5 minutes)' }, /one-time at\(\) schedules only/],
      ['an at() with a time zone suffix', { ScheduleExpression: 'at(2030-01-01T00:00:00Z)' }, /Invalid Schedule Expression/],
      ['an at() of a day that does not exist', { ScheduleExpression: 'at(2030-02-30T00:00:00)' }, /no such time/],
      ['an at() in the past', { ScheduleExpression: 'at(2020-01-01T00:00:00)' }, /in the past/],
      ['an unknown time zone', { ScheduleExpressionTimezone: 'Mars/Olympus' }, /Timezone/],
      ['no flexible time window', { FlexibleTimeWindow: undefined }, /FlexibleTimeWindow/],
      ['a flexible window without its length', { FlexibleTimeWindow: { Mode: 'FLEXIBLE' } }, /MaximumWindowInMinutes/],
      ['a role that is not an IAM role ARN', { Target: { Arn: FN, RoleArn: 'scheduler-role' } }, /RoleArn/],
      ['a Lambda target whose input is not JSON', { Target: { Arn: FN, RoleArn: ROLE, Input: 'hello' } }, /well-formed JSON/],
      ['a retry policy of 200 attempts', { Target: { Arn: FN, RoleArn: ROLE, RetryPolicy: { MaximumRetryAttempts: 200 } } }, /MaximumRetryAttempts/],
      ['an unknown action after completion', { ActionAfterCompletion: 'ARCHIVE' as never }, /ActionAfterCompletion/],
    ] as const)('rejects %s with ValidationException', async (_what, overrides, message) => {
      await expect(scheduler.send(new CreateScheduleCommand(schedule(overrides as Partial<CreateScheduleInput>)))).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringMatching(message),
      });
    });

    it('rejects a schedule in a group that does not exist with ResourceNotFoundException', async () => {
      await expect(scheduler.send(new CreateScheduleCommand(schedule({ GroupName: 'nope' })))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    });
  });

  describe('DeleteSchedule', () => {
    it('deletes a schedule before it fires, and answers ResourceNotFoundException for one that does not exist', async () => {
      await scheduler.send(new CreateScheduleCommand(schedule()));

      await scheduler.send(new DeleteScheduleCommand({ GroupName: 'cmv-wakes', Name: 'c-1-s0-b0' }));

      await expect(scheduler.send(new DeleteScheduleCommand({ GroupName: 'cmv-wakes', Name: 'c-1-s0-b0' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
    });
  });

  describe('load()', () => {
    it('fires after a restart a schedule whose time passed while the runtime was down', async () => {
      // Arrange: a schedule saved by a run that stopped; its time passes while none runs.
      await scheduler.send(new CreateScheduleCommand(schedule()));
      await scheduler.stop();
      const file = join(dir, 'schedules.json');
      const saved = JSON.parse(await readFile(file, 'utf8')) as { schedules: { fireAt: number }[] };
      saved.schedules[0].fireAt = Date.now() - 1000;
      await writeFile(file, JSON.stringify(saved));
      const got: unknown[] = [];
      let done!: () => void;
      const firedAgain = new Promise<void>((r) => {
        done = r;
      });
      scheduler = new LocalScheduler({
        dir,
        invoke: async (_arn, input) => {
          got.push(input);
          done();
        },
      });

      // Act
      await scheduler.load();
      await firedAgain;

      // Assert
      expect(got).toEqual([{ changeId: 'c-1' }]);
      expect(invoked).toEqual([]);
    });
  });
});

describe('fireTime()', () => {
  it('reads at() in the schedule expression time zone', () => {
    expect(new Date(fireTime('at(2030-07-01T12:00:00)', 'Europe/Berlin')).toISOString()).toBe('2030-07-01T10:00:00.000Z');
    expect(new Date(fireTime('at(2030-07-01T12:00:00)', 'UTC')).toISOString()).toBe('2030-07-01T12:00:00.000Z');
  });

  it('rejects a wall-clock time that a daylight-saving change skips', () => {
    expect(() => fireTime('at(2030-03-31T02:30:00)', 'Europe/Berlin')).toThrow(/no such time/);
  });
});
