import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  InvokeCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { LambdaFunctionHost } from '../../lambdas/adapters/lambda-functions';
import { sha256Base64, zipSource } from '../../lambdas/core/artifact';
import { routeForWeight } from '../../lambdas/core/canary';
import { LocalCloudWatch } from '../../lib/local/cloudwatch';
import { LocalLambda } from '../../lib/local/lambda';

/** A handler that counts its invocations: the count survives only while its worker stays up (warm). */
const CODE = zipSource({ 'index.js': new TextEncoder().encode('let n = 0; exports.handler = async () => ({ n: ++n, v: process.env.V });') });
const FN = 'svc';

/**
 * The local Lambda's version retention side: ListVersionsByFunction, DeleteFunction of a version
 * (refused while an alias routes to it), version numbers never reused, workers of kept versions warm.
 */
describe('LocalLambda', () => {
  let root: string;
  let lambda: LocalLambda;
  let host: LambdaFunctionHost;

  const publish = async (v: string) => {
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: FN, Environment: { Variables: { V: v } } }));
    return ((await lambda.send(new PublishVersionCommand({ FunctionName: FN, Description: `v${v}` }))) as { Version: string }).Version;
  };
  const invoke = async (qualifier: string) => {
    const out = (await lambda.send(new InvokeCommand({ FunctionName: FN, Qualifier: qualifier }))) as { Payload: Uint8Array };
    return JSON.parse(Buffer.from(out.Payload).toString('utf8')) as { n: number; v: string };
  };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'cmv-lambda-'));
    lambda = new LocalLambda(root, new LocalCloudWatch());
    host = new LambdaFunctionHost(lambda as never);
    await lambda.send(new CreateFunctionCommand({ FunctionName: FN, Handler: 'index.handler', Role: 'r', Code: { ZipFile: CODE } }));
    for (const v of ['a', 'b', 'c']) await publish(v);
    await lambda.send(new CreateAliasCommand({ FunctionName: FN, Name: 'live', FunctionVersion: '3' }));
  });
  afterEach(async () => {
    await lambda.stop();
    await rm(root, { recursive: true, force: true });
  });

  describe('send(InvokeCommand) of a version whose handler fails to load', () => {
    it('answers each request with a function error, as Lambda does after an init error, and the host keeps serving the others', async () => {
      // Arrange: a version whose module throws at load (its cold start fails).
      const broken = zipSource({ 'index.js': new TextEncoder().encode('throw new RangeError("MAX must be a number");') });
      await lambda.send(new CreateFunctionCommand({ FunctionName: 'broken', Handler: 'index.handler', Role: 'r', Code: { ZipFile: broken } }));
      const { Version } = (await lambda.send(new PublishVersionCommand({ FunctionName: 'broken' }))) as { Version: string };

      // Act
      const outs = [];
      for (let i = 0; i < 2; i++)
        outs.push((await lambda.send(new InvokeCommand({ FunctionName: 'broken', Qualifier: Version }))) as { FunctionError?: string; Payload: Uint8Array });

      // Assert
      for (const out of outs) {
        expect(out.FunctionError).toBe('Unhandled');
        expect(JSON.parse(Buffer.from(out.Payload).toString('utf8'))).toMatchObject({ errorType: 'RangeError', errorMessage: 'MAX must be a number' });
      }
      expect(await invoke('live')).toMatchObject({ v: 'c' });
    });
  });

  describe('send(ListVersionsByFunctionCommand)', () => {
    it('lists $LATEST first, then the published versions with their code hash and description', async () => {
      const out = (await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: FN }))) as {
        Versions: { Version: string; Description: string; CodeSha256: string }[];
      };

      expect(out.Versions.map((v) => [v.Version, v.Description])).toEqual([
        ['$LATEST', ''],
        ['1', 'va'],
        ['2', 'vb'],
        ['3', 'vc'],
      ]);
      expect(new Set(out.Versions.map((v) => v.CodeSha256)).size).toBe(1);
    });

    it('pages with MaxItems and NextMarker', async () => {
      const first = (await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: FN, MaxItems: 2 }))) as {
        Versions: { Version: string }[];
        NextMarker?: string;
      };
      const rest = (await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: FN, Marker: first.NextMarker }))) as {
        Versions: { Version: string }[];
        NextMarker?: string;
      };

      expect(first.Versions.map((v) => v.Version)).toEqual(['$LATEST', '1']);
      expect(rest).toEqual({ Versions: [expect.objectContaining({ Version: '2' }), expect.objectContaining({ Version: '3' })] });
    });

    it('answers at most 50 versions a page, and LambdaFunctionHost.listVersions() follows the pages', async () => {
      for (let i = 4; i <= 60; i++) await publish(`x${i}`);

      const first = (await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: FN }))) as { Versions: unknown[]; NextMarker?: string };

      expect(first.Versions).toHaveLength(50);
      expect(await host.listVersions(FN)).toEqual(Array.from({ length: 60 }, (_, i) => String(i + 1)));
    });
  });

  describe('send(DeleteFunctionCommand)', () => {
    it('deletes a version no alias routes to: gone from the list, its code directory removed, no longer invocable', async () => {
      await invoke('1');
      expect(existsSync(join(root, FN, '1'))).toBe(true);

      await host.deleteVersion(FN, '1');

      expect(await host.listVersions(FN)).toEqual(['2', '3']);
      expect(existsSync(join(root, FN, '1'))).toBe(false);
      await expect(invoke('1')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    });

    it('rejects deleting a version an alias routes to, also by weight, with ResourceConflictException (the adapter: ConflictError)', async () => {
      await lambda.send(
        new UpdateAliasCommand({ FunctionName: FN, Name: 'live', FunctionVersion: '3', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } } }),
      );

      await expect(lambda.send(new DeleteFunctionCommand({ FunctionName: FN, Qualifier: '3' }))).rejects.toMatchObject({
        name: 'ResourceConflictException',
        message: expect.stringContaining('[live]'),
      });
      await expect(host.deleteVersion(FN, '3')).rejects.toMatchObject({ name: 'ConflictError', message: expect.stringContaining('[live]') });
      await expect(host.deleteVersion(FN, '2')).rejects.toMatchObject({ name: 'ConflictError' });
      expect(await host.listVersions(FN)).toEqual(['1', '2', '3']);
    });

    it('rejects deleting $LATEST or a version that does not exist', async () => {
      await expect(lambda.send(new DeleteFunctionCommand({ FunctionName: FN, Qualifier: '$LATEST' }))).rejects.toMatchObject({
        name: 'InvalidParameterValueException',
      });
      await expect(host.deleteVersion(FN, '9')).rejects.toMatchObject({ name: 'NotFoundError' });
    });

    it('keeps the workers of other versions running (warm) when a version is deleted', async () => {
      await invoke('3');
      await invoke('2');

      await host.deleteVersion(FN, '1');

      expect(await invoke('3')).toEqual({ n: 2, v: 'c' });
      expect(await invoke('2')).toEqual({ n: 2, v: 'b' });
    });
  });

  describe('send(PublishVersionCommand)', () => {
    it('never reuses the number of a deleted version, even the newest one', async () => {
      await lambda.send(new UpdateAliasCommand({ FunctionName: FN, Name: 'live', FunctionVersion: '2' }));
      await host.deleteVersion(FN, '3');

      expect(await publish('d')).toBe('4');
    });

    it('numbers after the highest version for state saved before deletes existed', async () => {
      // Arrange: the saved state of an earlier run, without nextVersion.
      const file = join(root, `${FN}.json`);
      const { nextVersion: _, ...old } = JSON.parse(await readFile(file, 'utf8'));
      await writeFile(file, JSON.stringify(old));
      await lambda.stop();
      lambda = new LocalLambda(root, new LocalCloudWatch());
      await lambda.load([FN]);

      // Act / Assert
      expect(await publish('d')).toBe('4');
    });
  });

  describe('LambdaFunctionHost.publish()', () => {
    it("publishes a version of its own for a redeploy of the live version's code and config, so a canary can route to it", async () => {
      // Arrange: version 3 (code CODE, V=c) is live and the latest version.
      const { revisionId } = await host.getAlias(FN, 'live');

      // Act
      const published = await host.publish(FN, CODE, { V: 'c' }, sha256Base64(CODE), 'svc 1.3.0 (change-redeploy)');
      const routed = host.updateAlias(FN, 'live', routeForWeight(10, '3', published.functionVersion), revisionId);

      // Assert: Lambda refuses an alias whose additional version is its primary one.
      expect(published.functionVersion).toBe('4');
      await expect(routed).resolves.toMatchObject({ functionVersion: '3', additionalVersion: '4', additionalWeight: 0.1 });
    });

    it('returns the same version when a retry publishes the same change again', async () => {
      // Arrange
      const first = await host.publish(FN, CODE, { V: 'd' }, sha256Base64(CODE), 'svc 1.4.0 (change-4)');

      // Act
      const again = await host.publish(FN, CODE, { V: 'd' }, sha256Base64(CODE), 'svc 1.4.0 (change-4)');

      // Assert
      expect(again).toEqual(first);
    });
  });
});
