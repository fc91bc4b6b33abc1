import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { approveByBob, exampleChange, type Stack, startStack, TARGET, waitForStatus } from '../integration/local-stack';

/**
 * The local runtime starts on a data dir whose store files a crash (or a hand) corrupted: each is
 * moved aside to `<name>.corrupt-<time>` and reported, and the rest works.
 */
jest.setTimeout(180_000);

describe('local runtime on corrupt store files', () => {
  let dataDir: string;
  let stack: Stack | undefined;
  const log: string[] = [];
  let stderr: jest.SpyInstance;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cmv-corrupt-'));
    // Arrange: what a kill -9 left behind in each store (DynamoDB starts empty, in memory false: its files live in the data dir too).
    const plant = async (path: string, text: string) => {
      await mkdir(join(dataDir, path, '..'), { recursive: true });
      await writeFile(join(dataDir, path), text);
    };
    await plant('executions/c-lost.json', '');
    await plant('codedeploy/codedeploy.json', '{"applications":{"cmv":{"id":"a1","createTime":"2025-01-01T00:00:00.000Z"}},"groups":{"cmv/benefit-');
    await plant('lambda/benefit-calculator.json', '{"name":"benefit-calculator","handler":"src/in');
    await plant('ledger-stream.json', '{"streamArn":"arn:aws:dynamodb:');
    await plant('link-secret', '');
    await plant('events/events.jsonl', '{"version":"0","id":"e1","detail-');
    stderr = jest.spyOn(process.stderr, 'write');

    // Act
    stack = await startStack({ dataDir, inMemory: false, speed: 60, log: (line) => log.push(line) });
  });
  afterAll(async () => {
    await stack?.stop();
    stderr.mockRestore();
    await rm(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });

  it('moves every corrupt store file aside and reports it, naming the change whose execution was lost', async () => {
    const aside = async (dir: string, name: string) => (await readdir(join(dataDir, dir))).filter((f) => f.startsWith(`${name}.corrupt-`));
    expect(await aside('executions', 'c-lost.json')).toHaveLength(1);
    expect(await aside('codedeploy', 'codedeploy.json')).toHaveLength(1);
    expect(await aside('lambda', 'benefit-calculator.json')).toHaveLength(1);
    expect(await aside('.', 'ledger-stream.json')).toHaveLength(1);
    expect(await aside('.', 'link-secret')).toHaveLength(1);
    const reports = log.filter((line) => line.includes('corrupt store file'));
    expect(reports).toEqual(
      expect.arrayContaining([
        expect.stringContaining('lost: the execution of change c-lost'),
        expect.stringContaining('codedeploy.json'),
        expect.stringContaining('benefit-calculator.json'),
        expect.stringContaining('ledger-stream.json'),
        expect.stringContaining('link-secret'),
      ]),
    );
    expect(stderr).toHaveBeenCalledWith(expect.stringContaining('lost: the execution of change c-lost'));
  });

  it('works on: a change is proposed, approved through its e-mailed link and deployed, and its events are on the bus', async () => {
    const { changeId } = await (stack as Stack).api.propose(await exampleChange('1.1.0-seasonal-bonus.json'));
    await approveByBob(stack as Stack, changeId);
    const change = await waitForStatus((stack as Stack).api, changeId, ['deployed', 'rolled_back', 'failed'], 120_000);

    expect(change.status).toBe('deployed');
    expect((await (stack as Stack).api.target(TARGET)).liveVersion).toBe('1.1.0');
    await (stack as Stack).runtime.ledgerStream.drain();
    const events = await (stack as Stack).runtime.events.read({ detail: { changeId: [changeId] } });
    expect(events.map((e) => e['detail-type'])).toContain('Change Proposed');
    expect(log).toContainEqual(expect.stringMatching(/events\.jsonl ends with an incomplete line/));
  });
});
