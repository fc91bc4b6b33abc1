import { readFileSync } from 'node:fs';
import { type BundlingOptions, LogLevel, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import { repoPath } from './repo';

/**
 * The version of Powertools for AWS Lambda installed here (package.json): the Powertools layer of
 * every function is this version's (see {@link POWERTOOLS_LAYER_PARAMETER}).
 */
export const POWERTOOLS_VERSION: string = JSON.parse(
  readFileSync(repoPath('node_modules', '@aws-lambda-powertools', 'logger', 'package.json'), 'utf8'),
).version;

/**
 * The public SSM parameter holding the ARN of the Powertools for AWS Lambda (TypeScript) layer of
 * {@link POWERTOOLS_VERSION} in the deploying region (Powertools docs, "Lambda layers"): the layer
 * carries Logger, Metrics, Tracer (with aws-xray-sdk-core) and Parameters under /opt/nodejs/node_modules.
 */
export const POWERTOOLS_LAYER_PARAMETER = `/aws/service/powertools/typescript/generic/all/${POWERTOOLS_VERSION}`;

/**
 * How every CMV handler is bundled: the one source of both the CDK's `NodejsFunction` bundling
 * ({@link nodejsBundling}) and esbuild's API as the bench and the tests call it
 * ({@link esbuildOptions}), so that what is measured is what is shipped.
 */
export const BUNDLING = {
  /** esbuild's target: the Lambda runtime's Node.js major. */
  target: 'node22',
  format: 'cjs',
  minify: true,
  /** A linked `index.js.map` next to the bundle, without the sources (stack traces name our files and lines). */
  sourceMap: true,
  sourcesContent: false,
  /**
   * The licences of bundled packages (Apache-2.0 headers of each @stdlib module: 25 kB) in
   * `index.js.LEGAL.txt` beside the bundle (a one-line comment points to it), shipped with it, not at the end of the code
   * every cold start parses.
   */
  legalComments: 'linked',
  /**
   * Module ids left to the runtime's `require`: the AWS SDK v3, which the nodejs22.x runtime carries
   * (60 % of a bundle when bundled; the runtime's SDK may be a newer 3.x than the one tested here),
   * and Powertools with the X-Ray SDK, which the Powertools layer of every function carries
   * (CmvFunction): bundled, they add 38 kB (Logger, Metrics) and 110 kB (Tracer, aws-xray-sdk-core)
   * to every handler, which the largest (propose-change, 242 kB) cannot take under 250 kB.
   */
  external: ['@aws-sdk/*', '@aws-lambda-powertools/*', 'aws-xray-sdk-core'] as readonly string[],
} as const;

/** Node.js options of every function (source-mapped stack traces, since a map is shipped). */
export const NODE_OPTIONS = '--enable-source-maps';

/** {@link BUNDLING} as `NodejsFunction`'s `bundling` property. */
export function nodejsBundling(): BundlingOptions {
  return {
    format: OutputFormat.CJS,
    target: BUNDLING.target,
    minify: BUNDLING.minify,
    sourceMap: BUNDLING.sourceMap,
    sourcesContent: BUNDLING.sourcesContent,
    esbuildArgs: { '--legal-comments': BUNDLING.legalComments },
    bundleAwsSDK: false,
    externalModules: [...BUNDLING.external],
    logLevel: LogLevel.ERROR,
  };
}

/**
 * {@link BUNDLING} as esbuild's build options, the flags the CDK passes to esbuild's CLI
 * (`--bundle --target --platform=node --format --minify --sourcemap --sources-content --legal-comments --external`);
 * the caller adds the entry points and where they go (the CDK names a bundle `index.js`).
 */
export function esbuildOptions(): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    target: BUNDLING.target,
    format: BUNDLING.format,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    sourcesContent: BUNDLING.sourcesContent,
    legalComments: BUNDLING.legalComments,
    external: [...BUNDLING.external],
    logLevel: 'error',
  };
}
