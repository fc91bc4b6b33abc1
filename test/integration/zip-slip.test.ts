import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateFunctionCommand, InvokeCommand, PublishVersionCommand } from '@aws-sdk/client-lambda';
import { strToU8, zipSync } from 'fflate';
import type { ArtifactStore } from '../../lambdas/core/ports';
import { LocalCloudWatch } from '../../lib/local/cloudwatch';
import { LocalCodeBuild } from '../../lib/local/codebuild';
import { LocalLambda } from '../../lib/local/lambda';

/**
 * Defence in depth against zip slip: whatever zip reaches them, the local CodeBuild and Lambda
 * never write outside the directory they extract to. The zips are crafted with fflate, which
 * writes any entry name, as a hostile tool would.
 */
describe('zip slip (local CodeBuild and Lambda)', () => {
  let root: string;
  /** A file name next to the extraction directories, unique per test: it must never appear. */
  let escaped: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'cmv-zip-slip-'));
    escaped = `cmv-zip-slip-${randomUUID()}.txt`;
  });
  afterEach(async () => {
    await rm(join(tmpdir(), escaped), { force: true });
    await rm(root, { recursive: true, force: true });
  });

  const crafted = () => zipSync({ 'index.js': strToU8('exports.handler = async () => 1;'), [`../${escaped}`]: strToU8('pwned') });

  it('fails the build and writes nothing outside its temp dir when the artifact has an entry escaping it', async () => {
    // Arrange: the build's temp dir is a child of tmpdir(), so `../<name>` would land in tmpdir().
    const artifacts: ArtifactStore = {
      read: async () => crafted(),
      readVersioned: async () => ({ bytes: crafted() }),
      write: async () => 's3://b/k',
      uriFor: (k) => `s3://b/${k}`,
    };
    const codebuild = new LocalCodeBuild(artifacts, join(root, 'builds'), { projects: ['cmv-change-tests'] });

    // Act
    const error = await codebuild
      .startBuildSync({ ProjectName: 'cmv-change-tests', EnvironmentVariablesOverride: [{ Name: 'CMV_ARTIFACT_URI', Value: 's3://b/evil.zip' }] })
      .catch((e: Error) => e);

    // Assert
    expect(error).toMatchObject({ name: 'States.TaskFailed' });
    expect(JSON.parse((error as Error).message)).toMatchObject({ BuildStatus: 'FAILED' });
    expect(existsSync(join(tmpdir(), escaped))).toBe(false);
  });

  it('refuses to publish or run a version whose code has an entry escaping its directory, and writes nothing outside it', async () => {
    // Arrange: the version's code is extracted to <root>/<function>/<version>, so `../<name>` would land in <root>/<function>.
    const lambda = new LocalLambda(root, new LocalCloudWatch());
    try {
      await lambda.send(new CreateFunctionCommand({ FunctionName: 'svc', Handler: 'index.handler', Role: 'r', Code: { ZipFile: crafted() } }));

      // Act: publishing extracts the code, invoking extracts it again when it is missing.
      const error = await (async () => {
        const { Version } = (await lambda.send(new PublishVersionCommand({ FunctionName: 'svc' }))) as { Version: string };
        await lambda.send(new InvokeCommand({ FunctionName: 'svc', Qualifier: Version }));
      })().catch((e: Error) => e);

      // Assert
      expect(error).toBeInstanceOf(Error);
      expect(existsSync(join(root, 'svc', escaped))).toBe(false);
    } finally {
      await lambda.stop();
    }
  });
});
