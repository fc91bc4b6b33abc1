import { type BundlingOptions, LogLevel, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

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
   * Module ids left to the runtime's `require`: the AWS SDK v3, which the nodejs22.x runtime carries
   * (60 % of a bundle when bundled). The runtime's SDK may be a newer 3.x than the one tested here.
   */
  external: ['@aws-sdk/*'] as readonly string[],
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
    bundleAwsSDK: false,
    externalModules: [...BUNDLING.external],
    logLevel: LogLevel.ERROR,
  };
}

/**
 * {@link BUNDLING} as esbuild's build options, the flags the CDK passes to esbuild's CLI
 * (`--bundle --target --platform=node --format --minify --sourcemap --sources-content --external`);
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
    external: [...BUNDLING.external],
    logLevel: 'error',
  };
}
