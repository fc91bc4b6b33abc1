import type { KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { LOCAL_AWS } from './aws-names';
import { type ReadSignature, readSignature, signatureIntact } from './code-signature';

/**
 * Lambda's code signing, as the local Lambda enforces it: code signing configurations (allowed
 * signing profile versions, and the policy for code that fails the signature checks) and the checks
 * Lambda makes of a deployment package before it accepts it (CreateFunction, UpdateFunctionCode),
 * with Lambda's error names (API reference of UpdateFunctionCode; both HTTP 400):
 * - InvalidCodeSignatureException: the integrity check failed — the code was altered after it was
 *   signed, or the signature is no signature of a profile Signer knows. Lambda blocks such code even
 *   under the policy `Warn`.
 * - CodeVerificationFailedException: the signature failed a validation check — no signature at all,
 *   a signing profile version the configuration does not allow, or an expired signature — and the
 *   policy is `Enforce` (under `Warn` the code is accepted).
 */

/** A code signing configuration as Lambda answers it (`CodeSigningConfig`). */
export const CodeSigningConfigState = z.object({
  CodeSigningConfigId: z.string(),
  CodeSigningConfigArn: z.string(),
  Description: z.string(),
  AllowedPublishers: z.object({ SigningProfileVersionArns: z.array(z.string()) }),
  CodeSigningPolicies: z.object({ UntrustedArtifactOnDeployment: z.enum(['Warn', 'Enforce']) }),
  LastModified: z.string(),
});
export type CodeSigningConfigState = z.infer<typeof CodeSigningConfigState>;

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

const lambdaError = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });

/**
 * A new code signing configuration (CreateCodeSigningConfig): 1–20 allowed profile version ARNs,
 * the policy `Warn` (Lambda's default) or `Enforce`.
 * @throws ValidationException for a list of profiles that is empty or over 20, or another policy
 */
export function newCodeSigningConfig(input: {
  AllowedPublishers?: { SigningProfileVersionArns?: string[] };
  CodeSigningPolicies?: { UntrustedArtifactOnDeployment?: string };
  Description?: string;
}): CodeSigningConfigState {
  const arns = input.AllowedPublishers?.SigningProfileVersionArns ?? [];
  if (arns.length < 1 || arns.length > 20) {
    throw lambdaError(
      'ValidationException',
      "1 validation error detected: Value at 'allowedPublishers.signingProfileVersionArns' failed to satisfy constraint: Member must have length less than or equal to 20, Member must have length greater than or equal to 1",
    );
  }
  const policy = input.CodeSigningPolicies?.UntrustedArtifactOnDeployment ?? 'Warn';
  if (policy !== 'Warn' && policy !== 'Enforce') {
    throw lambdaError(
      'ValidationException',
      `1 validation error detected: Value '${policy}' at 'codeSigningPolicies.untrustedArtifactOnDeployment' failed to satisfy constraint: Member must satisfy enum value set: [Enforce, Warn]`,
    );
  }
  // Lambda's ids: csc- and 17 lowercase letters or digits.
  const id = `csc-${[...randomBytes(17)].map((b) => ALPHABET[b % ALPHABET.length]).join('')}`;
  const { partition, region, account } = LOCAL_AWS;
  return {
    CodeSigningConfigId: id,
    CodeSigningConfigArn: `arn:${partition}:lambda:${region}:${account}:code-signing-config:${id}`,
    Description: input.Description ?? '',
    AllowedPublishers: { SigningProfileVersionArns: arns },
    CodeSigningPolicies: { UntrustedArtifactOnDeployment: policy },
    LastModified: new Date().toISOString(),
  };
}

/**
 * Checks a deployment package against the function's code signing configuration, as Lambda does
 * before it accepts the code; returns normally when Lambda would accept it.
 * @param publicKeyOf - Signer's public key of a signing profile version (by ARN), undefined when Signer has none
 * @param now - the time the expiry is checked at
 * @throws InvalidCodeSignatureException when the integrity check fails (whatever the policy)
 * @throws CodeVerificationFailedException when a validation check fails and the policy is `Enforce`
 */
export function checkCodeSignature(
  zip: Uint8Array,
  config: CodeSigningConfigState,
  publicKeyOf: (profileVersionArn: string) => KeyObject | undefined,
  now: Date,
): void {
  const read = readSignature(zip);
  if (read.malformed)
    throw lambdaError('InvalidCodeSignatureException', `Lambda cannot deploy the function: the code signature failed the integrity check: ${read.malformed}`);
  const why = untrustedReason(read, config, publicKeyOf, now);
  if (why && config.CodeSigningPolicies.UntrustedArtifactOnDeployment === 'Enforce')
    throw lambdaError(
      'CodeVerificationFailedException',
      `Lambda cannot deploy the function. ${why} (code signing configuration ${config.CodeSigningConfigArn})`,
    );
}

/**
 * Why a readable package fails a validation check (undefined: it passes them all).
 * @throws InvalidCodeSignatureException when its signature fails the integrity check
 */
function untrustedReason(
  read: ReadSignature,
  config: CodeSigningConfigState,
  publicKeyOf: (profileVersionArn: string) => KeyObject | undefined,
  now: Date,
): string | undefined {
  const signature = read.signature;
  if (!signature) return 'The code is not signed; the code signing configuration only accepts code signed by its allowed publishers.';
  const key = publicKeyOf(signature.profileVersionArn);
  if (!key || !signatureIntact(read.content, signature, key)) {
    throw lambdaError(
      'InvalidCodeSignatureException',
      `Lambda cannot deploy the function: the code signature failed the integrity check (the code was altered after signing job ${signature.jobId}, or the signature is not that of ${signature.profileVersionArn})`,
    );
  }
  if (!config.AllowedPublishers.SigningProfileVersionArns.includes(signature.profileVersionArn))
    return `The function or layer might be signed using a signature that the client is not configured to accept. Check the provided signature for ${signature.profileVersionArn}.`;
  if (Date.parse(signature.expiresAt) <= now.getTime()) return `The signature of signing job ${signature.jobId} expired at ${signature.expiresAt}.`;
  return undefined;
}
