import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import type { AwsClient } from '../../../lambdas/adapters/aws-client';
import { LambdaFunctionHost } from '../../../lambdas/adapters/lambda-functions';
import { zipSource } from '../../../lambdas/core/artifact';
import { DeploymentError } from '../../../lambdas/core/errors';
import { LocalCloudWatch } from '../../../lib/local/cloudwatch';
import { LocalLambda } from '../../../lib/local/lambda';

/**
 * LambdaFunctionHost.publish() against the local Lambda while another writer updates the same
 * function at each point between CMV's first update and its PublishVersion: the version CMV
 * publishes runs the change's code and config, or the change fails and nothing is published —
 * never another writer's code or config under the change's version.
 */
const zipOf = (text: string) => zipSource({ 'index.js': Buffer.from(`exports.handler = async () => ${JSON.stringify(text)};`) });
const sha256 = (zip: Uint8Array) => createHash('sha256').update(zip).digest('base64');

const FN = 'svc';
const CHANGE = { zip: zipOf('the change'), env: { LIMIT: '2' }, description: 'svc 1.1.0 (chg-1)' };
const OTHER_CODE = zipOf('someone else');

type Point = 'UpdateFunctionCode' | 'UpdateFunctionConfiguration' | 'PublishVersion';
type Writer = 'code' | 'config';

/** A client on `lambda` that lets `writer` update the function once: after CMV's command `at` succeeded, or just before CMV's PublishVersion. */
function racing(lambda: LocalLambda, at: Point, writer: Writer): AwsClient {
  let done = false;
  const interfere = async () => {
    done = true;
    await lambda.send(
      writer === 'code'
        ? new UpdateFunctionCodeCommand({ FunctionName: FN, ZipFile: OTHER_CODE })
        : new UpdateFunctionConfigurationCommand({ FunctionName: FN, Environment: { Variables: { LIMIT: '999' } } }),
    );
  };
  return {
    async send(command) {
      const name = command.constructor.name.replace(/Command$/, '');
      if (!done && at === 'PublishVersion' && name === at) await interfere();
      const out = await lambda.send(command);
      if (!done && at !== 'PublishVersion' && name === at) await interfere();
      return out;
    },
  };
}

describe('LambdaFunctionHost.publish() racing another writer (local Lambda)', () => {
  let root: string;
  let lambda: LocalLambda;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'cmv-publish-race-'));
    lambda = new LocalLambda(root, new LocalCloudWatch());
    await lambda.send(
      new CreateFunctionCommand({ FunctionName: FN, Role: 'r', Code: { ZipFile: zipOf('live') }, Environment: { Variables: { LIMIT: '1' } }, Publish: true }),
    );
  });
  afterEach(async () => {
    await lambda.stop();
    await rm(root, { recursive: true, force: true });
  });

  const publishedVersions = async () =>
    ((await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: FN }))) as { Versions: { Version: string }[] }).Versions.map((v) => v.Version).filter(
      (v) => v !== '$LATEST',
    );

  it('publishes the change when nobody else writes, naming in PublishVersion the RevisionId of $LATEST as it checked it', async () => {
    const sent: unknown[] = [];
    const host = new LambdaFunctionHost({
      send: (c) => {
        sent.push(c);
        return lambda.send(c);
      },
    });

    const published = await host.publish(FN, CHANGE.zip, CHANGE.env, sha256(CHANGE.zip), CHANGE.description);

    expect(published).toEqual({ functionVersion: '2', codeSha256: sha256(CHANGE.zip) });
    const latest = (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FN }))) as { RevisionId: string };
    const publish = sent.find((c) => c instanceof PublishVersionCommand) as PublishVersionCommand;
    expect(publish.input.RevisionId).toBe(latest.RevisionId);
  });

  it.each([
    ['code', "after CMV's UpdateFunctionCode", 'fails'],
    ['config', "after CMV's UpdateFunctionCode", 'publishes'], // CMV's own configuration update comes after and replaces it
    ['code', "after CMV's UpdateFunctionConfiguration", 'fails'],
    ['config', "after CMV's UpdateFunctionConfiguration", 'fails'],
    ['code', "just before CMV's PublishVersion", 'fails'],
    ['config', "just before CMV's PublishVersion", 'fails'],
  ] as [Writer, string, 'fails' | 'publishes'][])(
    'when another writer updates the %s %s, CMV %s the change — never publishing what is not the change',
    async (writer, when, outcome) => {
      // Arrange
      const host = new LambdaFunctionHost(racing(lambda, when.split(' ').pop() as Point, writer));

      // Act
      const result = await host.publish(FN, CHANGE.zip, CHANGE.env, sha256(CHANGE.zip), CHANGE.description).catch((e: unknown) => e);

      // Assert
      if (outcome === 'publishes') {
        const { functionVersion } = result as { functionVersion: string };
        const version = (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FN, Qualifier: functionVersion }))) as {
          CodeSha256: string;
          Environment: { Variables: Record<string, string> };
        };
        expect(version).toMatchObject({ CodeSha256: sha256(CHANGE.zip), Environment: { Variables: CHANGE.env } });
      } else {
        expect(result).toBeInstanceOf(DeploymentError);
        expect((result as Error).message).toMatch(/^function svc changed while CMV published svc 1\.1\.0 \(chg-1\): .+; nothing was published/);
        expect(await publishedVersions()).toEqual(['1']);
      }
    },
  );
});
