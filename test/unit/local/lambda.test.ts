import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateFunctionCommand, GetFunctionCommand } from '@aws-sdk/client-lambda';
import { LocalCloudWatch } from '../../../lib/local/cloudwatch';
import { LocalLambda } from '../../../lib/local/lambda';

describe('LocalLambda', () => {
  let root: string;
  let log: string[];
  let stderr: jest.SpyInstance;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'cmv-lambda-'));
    log = [];
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(async () => {
    stderr.mockRestore();
    await rm(root, { recursive: true, force: true });
  });

  describe('load()', () => {
    it('quarantines a function state file that does not parse, reports it, and loads the others', async () => {
      // Arrange: one function saved whole, one file emptied by a crash, one of garbage.
      const saved = new LocalLambda(root, new LocalCloudWatch());
      await saved.send(new CreateFunctionCommand({ FunctionName: 'ok', Handler: 'index.handler', Role: 'r', Code: {} }));
      await writeFile(join(root, 'emptied.json'), '');
      await writeFile(join(root, 'garbage.json'), '\u0000\u0000{"name":');
      const lambda = new LocalLambda(root, new LocalCloudWatch(), (line) => log.push(line));

      // Act
      await lambda.load(['ok', 'emptied', 'garbage']);

      // Assert: the whole one loads; the others are moved aside and reported; their names can be created again.
      expect(await lambda.send(new GetFunctionCommand({ FunctionName: 'ok' }))).toMatchObject({ Configuration: { FunctionName: 'ok' } });
      const files = await readdir(root);
      expect(files.filter((f) => f.includes('.corrupt-')).sort()).toEqual([
        expect.stringMatching(/^emptied\.json\.corrupt-/),
        expect.stringMatching(/^garbage\.json\.corrupt-/),
      ]);
      expect(log).toEqual([
        expect.stringMatching(/emptied\.json: empty \(0 bytes\); lost: the function emptied \(its versions and aliases\)/),
        expect.stringMatching(/garbage\.json: does not parse: .*; lost: the function garbage \(its versions and aliases\)/),
      ]);
      await expect(lambda.send(new CreateFunctionCommand({ FunctionName: 'emptied', Handler: 'index.handler', Role: 'r', Code: {} }))).resolves.toBeDefined();
    });
  });
});
