import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BUNDLE_LIMIT_BYTES, bundleHandlers, type HandlerBundle, stackHandlerEntries } from '../../bench/handler-bundles';
import type { AwsPorts } from '../../lambdas/handlers/aws-services';
import { POWERTOOLS_LAYER_PARAMETER } from '../../lib/constructs/bundling';
import { CmvFunction } from '../../lib/constructs/cmv-function';
import { REPO_ROOT, repoPath } from '../../lib/constructs/repo';

/** The handler with the most dependencies (zod schemas, the policy, semver, zip, diff, luxon). */
const REPRESENTATIVE = 'lambdas/handlers/api/propose-change.ts';

describe('handler bundles', () => {
  let dir: string;
  let bundles: HandlerBundle[];

  beforeAll(async () => {
    // GIVEN every handler the stack ships, bundled as the stack bundles it
    dir = mkdtempSync(path.join(tmpdir(), 'cmv-bundles-'));
    bundles = await bundleHandlers(stackHandlerEntries(), dir);
  }, 180_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('bundles the handler of every function of the stack', () => {
    // THEN (a stack without functions would pass the checks below vacuously)
    expect(bundles.map((b) => b.entry)).toEqual(expect.arrayContaining([REPRESENTATIVE, 'lambdas/handlers/workflow/start-deployment.ts']));
  });

  it(`keeps every bundle at or under ${BUNDLE_LIMIT_BYTES} bytes minified`, () => {
    // THEN
    const over = bundles.filter((b) => b.bytes > BUNDLE_LIMIT_BYTES).map((b) => `${b.entry}: ${b.bytes} bytes`);
    expect(over).toEqual([]);
  });

  it("requires the SDK clients of the ports its handler names, and no other (DynamoDB's, for the tables, in every one)", () => {
    // GIVEN the SDK client package of each port's adapter
    const CLIENT_OF_PORT: Record<keyof AwsPorts, string> = {
      workflow: '@aws-sdk/client-sfn',
      wakes: '@aws-sdk/client-scheduler',
      artifacts: '@aws-sdk/client-s3',
      config: '@aws-sdk/client-s3',
      digests: '@aws-sdk/client-s3',
      functions: '@aws-sdk/client-lambda',
      alarms: '@aws-sdk/client-cloudwatch',
      metrics: '@aws-sdk/client-cloudwatch',
      codeDeploy: '@aws-sdk/client-codedeploy',
      codeSigner: '@aws-sdk/client-signer',
      events: '@aws-sdk/client-eventbridge',
      notifier: '@aws-sdk/client-sns',
      linkKeys: '@aws-sdk/client-secrets-manager',
      signer: '@aws-sdk/client-kms',
      bundleSigner: '@aws-sdk/client-kms',
    };
    // WHEN each bundle's SDK clients are read (the deploy-time custom resources build their own clients, not awsServices' ports)
    const mismatches = bundles
      .filter((b) => !b.entry.startsWith('lambdas/handlers/deploy/'))
      .flatMap((b) => {
        const { awsPorts = {} } = require(repoPath(b.entry)) as { awsPorts?: AwsPorts };
        const named = [...new Set(Object.keys(awsPorts).map((port) => CLIENT_OF_PORT[port as keyof AwsPorts]))].sort();
        const required = [...new Set([...readFileSync(b.file, 'utf8').matchAll(/require\("(@aws-sdk\/client-[a-z0-9-]+)"\)/g)].map((m) => m[1]))]
          .filter((name) => name !== '@aws-sdk/client-dynamodb')
          .sort();
        return JSON.stringify(required) === JSON.stringify(named) ? [] : [{ entry: b.entry, named, required }];
      });
    // THEN
    expect(mismatches).toEqual([]);
  });

  it('ships no inline source map and requires the AWS SDK from the runtime', () => {
    // THEN
    for (const b of bundles) {
      const code = readFileSync(b.file, 'utf8');
      expect({ entry: b.entry, inlineMap: code.includes('sourceMappingURL=data:') }).toEqual({ entry: b.entry, inlineMap: false });
      const sdk = b.packages.filter(([name]) => name.startsWith('@aws-sdk/') || name.startsWith('@smithy/')).map(([name]) => name);
      expect({ entry: b.entry, sdk }).toEqual({ entry: b.entry, sdk: [] });
    }
  });
});

describe('CmvFunction bundling', () => {
  let assetDir: string;
  let template: Template;

  beforeAll(() => {
    // GIVEN one function with bundling (as `cdk synth` does)
    const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'cmv-cdk-')) });
    const stack = new Stack(app, 'S');
    new CmvFunction(stack, 'Fn', { entry: REPRESENTATIVE });
    // WHEN
    const assembly = app.synth();
    template = Template.fromStack(stack);
    const code = Object.values(template.findResources('AWS::Lambda::Function'))[0].Properties.Code as { S3Key: string };
    assetDir = path.join(assembly.directory, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
  }, 180_000);

  it('runs on nodejs22.x, whose runtime carries the AWS SDK v3', () => {
    // THEN
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs22.x' });
  });

  it('takes Powertools from the Powertools layer of the installed version, which it requires instead of bundling', () => {
    // THEN the layer's ARN is resolved at deploy time from the public SSM parameter of the version in node_modules
    const installed = JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules', '@aws-lambda-powertools', 'logger', 'package.json'), 'utf8')).version;
    expect(POWERTOOLS_LAYER_PARAMETER).toBe(`/aws/service/powertools/typescript/generic/all/${installed}`);
    const [layerParameter] =
      Object.entries(template.toJSON().Parameters ?? {}).find(([, p]) => (p as { Default?: string }).Default === POWERTOOLS_LAYER_PARAMETER) ?? [];
    expect(layerParameter).toBeDefined();
    template.hasResourceProperties('AWS::Lambda::Function', { Layers: [{ Ref: layerParameter }] });
    const shipped = readFileSync(path.join(assetDir, 'index.js'), 'utf8');
    expect({ requiresLogger: shipped.includes('require("@aws-lambda-powertools/logger")') }).toEqual({ requiresLogger: true });
  });

  it('leaves @aws-sdk/* to the runtime and bundles what the bench measures, byte for byte', async () => {
    // GIVEN the same handler bundled with the bench's options
    const dir = mkdtempSync(path.join(tmpdir(), 'cmv-bench-'));
    try {
      const [bench] = await bundleHandlers([REPRESENTATIVE], dir);
      // THEN
      const shipped = readFileSync(path.join(assetDir, 'index.js'));
      const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
      expect({ requiresSdkFromRuntime: shipped.includes('require("@aws-sdk/client-dynamodb")') }).toEqual({ requiresSdkFromRuntime: true });
      expect({ bytes: shipped.length, sha256: sha256(shipped) }).toEqual({ bytes: bench.bytes, sha256: sha256(readFileSync(bench.file)) });
      expect(readdirSync(assetDir).sort()).toEqual(readdirSync(path.dirname(bench.file)).sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
