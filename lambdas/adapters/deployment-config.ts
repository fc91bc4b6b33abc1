import { createHash } from 'node:crypto';
import * as z from 'zod';
import { ChangePolicy } from '../core/policy/change-policy';
import { UsersFile } from './static-directory';

/**
 * The configuration of a deployment of CMV that is no code: its users (the directory) and its
 * change-control policy, as one JSON document. The CDK stack writes it as an asset and the local
 * runtime into its S3 stand-in; the handlers read it with {@link S3DeploymentConfig}.
 */
// Its users' roles are checked against its policy where the files are read (readDeploymentConfig), not here: propose-change's bundle is near its limit.
export const DeploymentConfig = z.strictObject({ users: UsersFile.shape.users, policy: ChangePolicy });
export type DeploymentConfig = z.infer<typeof DeploymentConfig>;

/** The document as written: JSON, and its SHA-256 (hex), which names its object so that a new document is a new object. */
export function deploymentConfigDocument(config: DeploymentConfig): { readonly json: string; readonly sha256: string } {
  const json = JSON.stringify(DeploymentConfig.parse(config));
  return { json, sha256: createHash('sha256').update(json).digest('hex') };
}

/**
 * Parses and validates the document.
 * @param source - where it was read from, for the error message
 * @throws Error naming the source and every invalid field (`users.3.email: …`)
 */
export function parseDeploymentConfig(text: string, source: string): DeploymentConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`deployment config ${source} is not valid JSON: ${(err as Error).message}`);
  }
  const result = DeploymentConfig.safeParse(raw);
  if (!result.success) {
    throw new Error(`deployment config ${source} is invalid: ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return result.data;
}
