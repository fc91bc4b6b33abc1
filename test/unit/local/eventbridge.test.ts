import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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

  it('refuses a rule whose pattern EventBridge refuses, as PutRule does, and keeps no such rule', async () => {
    const bus = new LocalEventBridge(dir);
    const got: BusEnvelope[] = [];
    expect(() => bus.putRule('bad', { source: [{ contains: 'cmv' }] }, async (e) => got.push(e))).toThrow(
      expect.objectContaining({ name: 'InvalidEventPatternException' }),
    );
    await bus.send(new PutEventsCommand({ Entries: [{ Source: 'cmv', DetailType: 'x', Detail: '{}' }] }));
    await bus.settled();
    expect(got).toEqual([]);
  });

  describe('read() after a crash mid-append', () => {
    const event = (id: string): BusEnvelope => ({
      version: '0',
      id,
      'detail-type': 'Change Proposed',
      source: 'cmv',
      account: '000000000000',
      time: '2025-01-01T00:00:00Z',
      region: 'local',
      resources: [],
      detail: { changeId: id },
    });
    let stderr: jest.SpyInstance;
    beforeEach(() => {
      stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    });
    afterEach(() => stderr.mockRestore());

    it('skips a torn last line and reports it once', async () => {
      // Arrange: two whole events, then the first half of a third (the process died mid-append).
      const torn = JSON.stringify(event('e3')).slice(0, 50);
      await writeFile(join(dir, 'events.jsonl'), `${JSON.stringify(event('e1'))}\n${JSON.stringify(event('e2'))}\n${torn}`);
      const log: string[] = [];
      const bus = new LocalEventBridge(dir, (line) => log.push(line));

      // Act
      const first = await bus.read();
      const second = await bus.read();

      // Assert
      expect(first.map((e) => e.id)).toEqual(['e1', 'e2']);
      expect(second.map((e) => e.id)).toEqual(['e1', 'e2']);
      expect(log).toEqual([expect.stringMatching(/events\.jsonl line 3 is incomplete .*: skipped/)]);
      expect(stderr).toHaveBeenCalledWith(expect.stringContaining('events.jsonl line 3'));
    });

    it('appends the next event on a line of its own after a torn line, so that event is kept', async () => {
      // Arrange
      const torn = JSON.stringify(event('e2')).slice(0, 50);
      await writeFile(join(dir, 'events.jsonl'), `${JSON.stringify(event('e1'))}\n${torn}`);
      const log: string[] = [];
      const bus = new LocalEventBridge(dir, (line) => log.push(line));

      // Act
      bus.emit(event('e3'));
      await bus.settled();

      // Assert: the torn line stays where it was, skipped; the new event is whole.
      expect((await bus.read()).map((e) => e.id)).toEqual(['e1', 'e3']);
      expect((await readFile(join(dir, 'events.jsonl'), 'utf8')).split('\n')).toEqual([JSON.stringify(event('e1')), torn, JSON.stringify(event('e3')), '']);
      expect(log).toEqual([
        expect.stringMatching(/events\.jsonl ends with an incomplete line/),
        expect.stringMatching(/events\.jsonl line 2 does not parse: .*: skipped/),
      ]);
    });
  });
});
