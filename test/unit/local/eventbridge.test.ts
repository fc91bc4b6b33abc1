import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type BusEnvelope, LocalEventBridge } from '../../../lib/local/eventbridge';

describe('LocalEventBridge', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-bus-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('PutEvents writes the accepted entries to the bus file and fails invalid ones alone, with their error codes', async () => {
    const bus = new LocalEventBridge(dir);
    const out = await bus.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'cmv', DetailType: 'Change Proposed', Detail: '{"changeId":"c1"}', Resources: ['arn:c1'] },
          { Source: 'aws.cloudwatch', DetailType: 'x', Detail: '{}' },
          { Source: 'cmv', DetailType: 'x', Detail: 'not json' },
        ],
      }),
    );
    expect(out).toMatchObject({
      FailedEntryCount: 2,
      Entries: [{ EventId: expect.any(String) }, { ErrorCode: 'NotAuthorizedForSourceException' }, { ErrorCode: 'MalformedDetail' }],
    });
    expect(await bus.read()).toEqual([
      expect.objectContaining({ source: 'cmv', 'detail-type': 'Change Proposed', detail: { changeId: 'c1' }, resources: ['arn:c1'] }),
    ]);
    await expect(bus.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => ({})) }))).rejects.toThrow(/1 to 10 entries/);
  });

  it('delivers matching events to a rule, retrying a failed delivery', async () => {
    const bus = new LocalEventBridge(dir);
    const got: BusEnvelope[] = [];
    let failures = 1;
    bus.putRule('r', { source: ['aws.cloudwatch'], detail: { state: { value: ['ALARM'] } } }, async (e) => {
      if (failures-- > 0) throw new Error('throttled');
      got.push(e);
    });
    const base = {
      version: '0' as const,
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: '0',
      time: 't',
      region: 'local',
      resources: [],
    };
    bus.emit({ ...base, detail: { state: { value: 'OK' } } });
    bus.emit({ ...base, detail: { state: { value: 'ALARM' } } });
    await bus.settled();
    expect(got.map((e) => e.detail)).toEqual([{ state: { value: 'ALARM' } }]);
    expect(await bus.read({ detail: { state: { value: ['OK'] } } })).toHaveLength(1);
  });
});
