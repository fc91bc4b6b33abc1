import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { zipSource } from '../../../lambdas/core/artifact';
import { LocalCloudWatch } from '../../../lib/local/cloudwatch';
import { LocalLambda } from '../../../lib/local/lambda';

const CODE = { ZipFile: zipSource({ 'index.js': Buffer.from('exports.handler = async () => "ok";') }) };

/** Environment variables whose JSON (`{"K":"v…"}`, as Lambda measures it) is exactly `bytes` long. */
const envOfBytes = (bytes: number) => ({ K: 'v'.repeat(bytes - '{"K":""}'.length) });

/** Lambda's refusal of an environment over 4 KB, quoting the string it measured. */
const tooLarge = (env: Record<string, string>) =>
  `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${JSON.stringify(env)}`;

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

  describe('environment size', () => {
    it('creates a function whose environment (keys and values, as JSON) is exactly 4 KB', async () => {
      // Arrange
      const lambda = new LocalLambda(root, new LocalCloudWatch());

      // Act
      const out = await lambda.send(new CreateFunctionCommand({ FunctionName: 'fn', Role: 'r', Code: CODE, Environment: { Variables: envOfBytes(4096) } }));

      // Assert
      expect(out).toMatchObject({ Environment: { Variables: envOfBytes(4096) } });
    });

    it("refuses CreateFunction with an environment of 4 KB and one byte, with InvalidParameterValueException and Lambda's message", async () => {
      // Arrange
      const lambda = new LocalLambda(root, new LocalCloudWatch());
      const env = envOfBytes(4097);

      // Act
      const created = lambda.send(new CreateFunctionCommand({ FunctionName: 'fn', Role: 'r', Code: CODE, Environment: { Variables: env } }));

      // Assert: nothing was created.
      await expect(created).rejects.toMatchObject({ name: 'InvalidParameterValueException', message: tooLarge(env) });
      await expect(lambda.send(new GetFunctionCommand({ FunctionName: 'fn' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    });

    it('measures bytes, not characters: refuses an environment of 2,100 two-byte characters', async () => {
      // Arrange
      const lambda = new LocalLambda(root, new LocalCloudWatch());
      const env = { K: 'é'.repeat(2100) };

      // Act
      const created = lambda.send(new CreateFunctionCommand({ FunctionName: 'fn', Role: 'r', Code: CODE, Environment: { Variables: env } }));

      // Assert
      await expect(created).rejects.toMatchObject({ name: 'InvalidParameterValueException', message: tooLarge(env) });
    });

    it('refuses UpdateFunctionConfiguration with an environment over 4 KB and keeps the previous one', async () => {
      // Arrange
      const lambda = new LocalLambda(root, new LocalCloudWatch());
      await lambda.send(new CreateFunctionCommand({ FunctionName: 'fn', Role: 'r', Code: CODE, Environment: { Variables: { A: '1' } } }));
      const env = envOfBytes(4097);

      // Act
      const updated = lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn', Environment: { Variables: env } }));

      // Assert
      await expect(updated).rejects.toMatchObject({ name: 'InvalidParameterValueException', message: tooLarge(env) });
      expect(await lambda.send(new GetFunctionCommand({ FunctionName: 'fn' }))).toMatchObject({ Configuration: { Environment: { Variables: { A: '1' } } } });
    });
  });

  describe('send(PublishVersion)', () => {
    /** A function with versions 1 (env A=1) and 2 (env A=2); $LATEST as version 2. */
    const twoVersions = async () => {
      const lambda = new LocalLambda(root, new LocalCloudWatch());
      await lambda.send(new CreateFunctionCommand({ FunctionName: 'fn', Role: 'r', Code: CODE, Environment: { Variables: { A: '1' } }, Publish: true }));
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn', Environment: { Variables: { A: '2' } } }));
      await lambda.send(new PublishVersionCommand({ FunctionName: 'fn' }));
      return lambda;
    };

    it('returns the latest version when code and config did not change since it', async () => {
      // Arrange
      const lambda = await twoVersions();

      // Act
      const out = await lambda.send(new PublishVersionCommand({ FunctionName: 'fn' }));

      // Assert
      expect(out).toMatchObject({ Version: '2' });
    });

    it('publishes a new version when code and config are those of an older version, not of the latest', async () => {
      // Arrange: $LATEST back to version 1's config.
      const lambda = await twoVersions();
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn', Environment: { Variables: { A: '1' } } }));

      // Act
      const out = await lambda.send(new PublishVersionCommand({ FunctionName: 'fn' }));

      // Assert
      expect(out).toMatchObject({ Version: '3', Environment: { Variables: { A: '1' } } });
    });

    it("publishes a new version when only $LATEST's description changed", async () => {
      // Arrange
      const lambda = await twoVersions();
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn', Description: 'redeploy of 2', Environment: { Variables: { A: '2' } } }));

      // Act
      const out = await lambda.send(new PublishVersionCommand({ FunctionName: 'fn' }));

      // Assert
      expect(out).toMatchObject({ Version: '3', Description: 'redeploy of 2' });
    });

    it('publishes a new version when the latest one was deleted, never reusing its number', async () => {
      // Arrange: version 3 published from unchanged config, then deleted.
      const lambda = await twoVersions();
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn', Environment: { Variables: { A: '3' } } }));
      await lambda.send(new PublishVersionCommand({ FunctionName: 'fn' }));
      await lambda.send(new DeleteFunctionCommand({ FunctionName: 'fn', Qualifier: '3' }));

      // Act
      const out = await lambda.send(new PublishVersionCommand({ FunctionName: 'fn' }));

      // Assert
      expect(out).toMatchObject({ Version: '4', Environment: { Variables: { A: '3' } } });
    });
  });

  describe('RevisionId of $LATEST', () => {
    const STALE = /^The Revision Id provided does not match the latest Revision Id\. Call the GetFunction\/GetAlias API to retrieve the latest Revision Id$/;
    const fresh = async () => {
      const lambda = new LocalLambda(root, new LocalCloudWatch());
      await lambda.send(new CreateFunctionCommand({ FunctionName: 'fn', Role: 'r', Code: CODE, Environment: { Variables: { A: '1' } } }));
      return lambda;
    };
    const revisionOf = async (lambda: LocalLambda) =>
      ((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn' }))) as { RevisionId: string }).RevisionId;

    it('publishes when PublishVersion names the RevisionId $LATEST has', async () => {
      const lambda = await fresh();
      const revision = await revisionOf(lambda);

      const out = await lambda.send(new PublishVersionCommand({ FunctionName: 'fn', RevisionId: revision }));

      expect(out).toMatchObject({ Version: '1', Environment: { Variables: { A: '1' } } });
    });

    it('refuses PublishVersion with PreconditionFailedException, publishing nothing, when $LATEST changed since the RevisionId was read', async () => {
      // Arrange: someone else updates the configuration after the revision was read.
      const lambda = await fresh();
      const revision = await revisionOf(lambda);
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn', Environment: { Variables: { A: 'other' } } }));

      // Act
      const out = lambda.send(new PublishVersionCommand({ FunctionName: 'fn', RevisionId: revision }));

      // Assert
      await expect(out).rejects.toMatchObject({ name: 'PreconditionFailedException', message: expect.stringMatching(STALE) });
      expect(await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'fn' }))).toMatchObject({ Versions: [{ Version: '$LATEST' }] });
    });

    it.each([
      ['UpdateFunctionCode', () => new UpdateFunctionCodeCommand({ FunctionName: 'fn', ZipFile: CODE.ZipFile, RevisionId: 'stale' })],
      [
        'UpdateFunctionConfiguration',
        () => new UpdateFunctionConfigurationCommand({ FunctionName: 'fn', Environment: { Variables: { A: '2' } }, RevisionId: 'stale' }),
      ],
    ])('refuses %s with a stale RevisionId with PreconditionFailedException, changing nothing', async (_name, command) => {
      const lambda = await fresh();
      const revision = await revisionOf(lambda);

      await expect(lambda.send(command())).rejects.toMatchObject({ name: 'PreconditionFailedException', message: expect.stringMatching(STALE) });

      expect(await revisionOf(lambda)).toBe(revision);
      expect(await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn' }))).toMatchObject({ Environment: { Variables: { A: '1' } } });
    });

    it('answers an update with the RevisionId of the update in progress, which its completion supersedes, as Lambda does', async () => {
      // Arrange
      const lambda = await fresh();
      const before = await revisionOf(lambda);

      // Act
      const answer = (await lambda.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: 'fn', Environment: { Variables: { A: '2' } }, RevisionId: before }),
      )) as { RevisionId: string; LastUpdateStatus: string };

      // Assert: the answer's revision is neither the one before nor the one once updated.
      const after = await revisionOf(lambda);
      expect(answer.LastUpdateStatus).toBe('InProgress');
      expect(new Set([before, answer.RevisionId, after]).size).toBe(3);
      await expect(lambda.send(new PublishVersionCommand({ FunctionName: 'fn', RevisionId: answer.RevisionId }))).rejects.toMatchObject({
        name: 'PreconditionFailedException',
      });
      await expect(lambda.send(new PublishVersionCommand({ FunctionName: 'fn', RevisionId: after }))).resolves.toMatchObject({ Version: '1' });
    });
  });

  describe('alias routing', () => {
    /** A function with versions 1, 2 and 3 and the alias `live` on version 1. */
    const threeVersions = async () => {
      const lambda = new LocalLambda(root, new LocalCloudWatch());
      await lambda.send(new CreateFunctionCommand({ FunctionName: 'fn', Role: 'r', Code: CODE, Environment: { Variables: { A: '1' } }, Publish: true }));
      for (const a of ['2', '3']) {
        await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn', Environment: { Variables: { A: a } } }));
        await lambda.send(new PublishVersionCommand({ FunctionName: 'fn' }));
      }
      await lambda.send(new CreateAliasCommand({ FunctionName: 'fn', Name: 'live', FunctionVersion: '1' }));
      return lambda;
    };
    const refusals: [string, string | undefined, Record<string, number>, string, string][] = [
      [
        'two additional versions',
        '1',
        { '2': 0.1, '3': 0.1 },
        'InvalidParameterValueException',
        'Number of items in AdditionalVersionWeights cannot be greater than 1',
      ],
      [
        '$LATEST as the additional version',
        '1',
        { $LATEST: 0.5 },
        'ValidationException',
        "1 validation error detected: Value '{$LATEST=0.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]",
      ],
      [
        '$LATEST as the primary version',
        '$LATEST',
        { '2': 0.5 },
        'InvalidParameterValueException',
        '$LATEST is not supported for an alias pointing to more than 1 version',
      ],
      [
        'the primary version as the additional one',
        '1',
        { '1': 0.5 },
        'InvalidParameterValueException',
        'Invalid function version 1. Function version 1 is already included in routing configuration.',
      ],
      [
        'a weight above 1.0',
        '1',
        { '2': 2 },
        'ValidationException',
        "1 validation error detected: Value '{2=2.0}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]",
      ],
      [
        'a weight below 0.0',
        '1',
        { '2': -1 },
        'ValidationException',
        "1 validation error detected: Value '{2=-1.0}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]",
      ],
    ];

    it.each(refusals)('refuses UpdateAlias with %s, as Lambda does, and leaves the alias as it was', async (_, version, weights, name, message) => {
      // Arrange
      const lambda = await threeVersions();
      const before = await lambda.send(new GetAliasCommand({ FunctionName: 'fn', Name: 'live' }));

      // Act
      const updated = lambda.send(
        new UpdateAliasCommand({ FunctionName: 'fn', Name: 'live', FunctionVersion: version, RoutingConfig: { AdditionalVersionWeights: weights } }),
      );

      // Assert
      await expect(updated).rejects.toMatchObject({ name, message });
      expect(await lambda.send(new GetAliasCommand({ FunctionName: 'fn', Name: 'live' }))).toEqual(before);
    });

    it.each(refusals)('refuses CreateAlias with %s, as Lambda does, and creates nothing', async (_, version, weights, name, message) => {
      // Arrange
      const lambda = await threeVersions();

      // Act
      const created = lambda.send(
        new CreateAliasCommand({ FunctionName: 'fn', Name: 'canary', FunctionVersion: version, RoutingConfig: { AdditionalVersionWeights: weights } }),
      );

      // Assert
      await expect(created).rejects.toMatchObject({ name, message });
      await expect(lambda.send(new GetAliasCommand({ FunctionName: 'fn', Name: 'canary' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    });

    it.each([
      ['0.0', 0],
      ['1.0', 1],
      ['0.05', 0.05],
    ])('routes a weight of %s to one additional published version', async (_, weight) => {
      // Arrange
      const lambda = await threeVersions();

      // Act
      const out = await lambda.send(
        new UpdateAliasCommand({ FunctionName: 'fn', Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': weight } } }),
      );

      // Assert
      expect(out).toMatchObject({ FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': weight } } });
    });

    it('routes CreateAlias with a weighted additional version as asked', async () => {
      // Arrange
      const lambda = await threeVersions();

      // Act
      const out = await lambda.send(
        new CreateAliasCommand({ FunctionName: 'fn', Name: 'canary', FunctionVersion: '2', RoutingConfig: { AdditionalVersionWeights: { '3': 0.25 } } }),
      );

      // Assert
      expect(out).toMatchObject({ FunctionVersion: '2', RoutingConfig: { AdditionalVersionWeights: { '3': 0.25 } } });
    });
  });
});
