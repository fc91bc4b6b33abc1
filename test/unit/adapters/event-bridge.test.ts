import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeBus } from '../../../lambdas/adapters/event-bridge';
import type { BusEvent } from '../../../lambdas/core/ports';

const ebMock = mockClient(EventBridgeClient);
const client = new EventBridgeClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const event = (n: number): BusEvent => ({ detailType: 'Change Proposed', detail: { seq: n }, time: '2026-11-22T10:00:00.000Z' });

describe('EventBridgeBus.publish()', () => {
  beforeEach(() => {
    ebMock.reset();
    ebMock
      .on(PutEventsCommand)
      .callsFake((input: { Entries: unknown[] }) => ({ FailedEntryCount: 0, Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })) }));
  });

  it('puts each event with source cmv on the bus, ten per call, in order', async () => {
    await new EventBridgeBus(client, 'default').publish(Array.from({ length: 12 }, (_, i) => event(i + 1)));

    const calls = ebMock.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);
    expect(calls.map((entries) => entries.length)).toEqual([10, 2]);
    expect(calls[0][0]).toEqual({
      EventBusName: 'default',
      Source: 'cmv',
      DetailType: 'Change Proposed',
      Detail: '{"seq":1}',
      Time: new Date('2026-11-22T10:00:00.000Z'),
    });
    expect(calls.flat().map((e) => JSON.parse(e.Detail ?? '').seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('throws, naming the error codes, when EventBridge refuses an entry (the stream then retries)', async () => {
    ebMock
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ EventId: 'e0' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }] });

    await expect(new EventBridgeBus(client, 'default').publish([event(1), event(2)])).rejects.toThrow(
      'EventBridge refused 1 of 2 events: Change Proposed: ThrottlingException slow down',
    );
  });
});
