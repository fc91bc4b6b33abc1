import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateApplicationCommand } from '@aws-sdk/client-codedeploy';
import { LocalCodeDeploy } from '../../../lib/local/codedeploy';

describe('LocalCodeDeploy', () => {
  let dir: string;
  let log: string[];
  let stderr: jest.SpyInstance;
  const start = () =>
    new LocalCodeDeploy({
      dir,
      lambda: { send: async () => ({}) },
      cloudwatch: { send: async () => ({ MetricAlarms: [] }) },
      invokeHook: async () => {},
      log: (line) => log.push(line),
    });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-codedeploy-'));
    log = [];
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(async () => {
    stderr.mockRestore();
    await rm(dir, { recursive: true, force: true });
  });

  describe('load()', () => {
    it.each([
      ['empty', ''],
      ['truncated', '{"applications":{"cmv":{"id":"a1","createTime":"2025-01-01T00:00:00.000Z"}},"groups":{'],
      ['not the state', '{"applications":[]}'],
    ])('quarantines a state file that is %s, reports it, and starts empty', async (_, text) => {
      // Arrange
      await writeFile(join(dir, 'codedeploy.json'), text);
      const codeDeploy = start();

      // Act
      await codeDeploy.load();

      // Assert: the file was moved aside and reported; the stand-in works and saves a fresh state.
      expect(await readdir(dir)).toEqual([expect.stringMatching(/^codedeploy\.json\.corrupt-/)]);
      expect(log).toEqual([
        expect.stringMatching(/codedeploy\.json: .*lost: the local CodeDeploy.s applications, deployment groups and deployments; moved to/),
      ]);
      expect(stderr).toHaveBeenCalledWith(expect.stringContaining('codedeploy.json'));
      await codeDeploy.send(new CreateApplicationCommand({ applicationName: 'cmv', computePlatform: 'Lambda' }));
      await codeDeploy.stop();
      expect(JSON.parse(await readFile(join(dir, 'codedeploy.json'), 'utf8'))).toMatchObject({ applications: { cmv: { id: expect.any(String) } } });
    });
  });
});
