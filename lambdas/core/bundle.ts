import { createHash, createPublicKey, verify } from 'node:crypto';
import canonicalize from 'canonicalize';
import * as z from 'zod';
import type { SourceFiles } from './artifact';
import type { FunctionConfig } from './change-request';

/**
 * Bundles: a version's code (its files), config, version and change id, described by a manifest —
 * each file's path, SHA-256 and size — whose RFC 8785 JSON is signed with the bundle key (KMS
 * `ECDSA_SHA_256` over ECC_NIST_P256; locally the KMS stand-in's key). A bundle verifies when the
 * stored manifest has the SHA-256 its version record holds, its signature verifies with the bundle
 * key, it names that version, and the stored code has exactly its files with their hashes.
 */

/** The format of a manifest (a verifier refuses others). */
export const MANIFEST_FORMAT = 'cmv-bundle-manifest/1';

/** The signature algorithm of manifests (KMS SigningAlgorithm). */
export const BUNDLE_SIGNING_ALGORITHM = 'ECDSA_SHA_256';

/** One file of a bundle: POSIX path relative to the bundle root, hex SHA-256 of its bytes, size in bytes. */
export interface BundleFile {
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
}

/** What a version's bundle holds, as signed. `createdAt` is the version's creation time (ISO-8601 UTC). */
export interface BundleManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly target: string;
  readonly version: string;
  /** The change that made the version; null for a target's first version (registered, not proposed). */
  readonly changeId: string | null;
  readonly createdAt: string;
  readonly config: FunctionConfig;
  /** SHA-256 (base64, as Lambda's `CodeSha256`) of the code zip as stored and published: one changed byte anywhere in it, even outside a file's data, is refused. */
  readonly artifactSha256: string;
  /** Sorted by path. */
  readonly files: readonly BundleFile[];
}

/** A manifest's signature as a version record keeps it. */
export interface BundleSignature {
  readonly algorithm: typeof BUNDLE_SIGNING_ALGORITHM;
  /** The signing key (a KMS key ARN; locally the stand-in key's ARN). */
  readonly keyId: string;
  /** DER-encoded ECDSA signature, base64. */
  readonly value: string;
}

/** What a version record keeps of its bundle: where its manifest is, the manifest's SHA-256 (hex), its signature. */
export interface BundleRecord {
  readonly manifestUri: string;
  readonly manifestSha256: string;
  readonly signature: BundleSignature;
  /** ISO-8601 time the manifest was signed. */
  readonly signedAt: string;
}

/** Signs bytes with the bundle key (KMS Sign; locally the KMS stand-in). */
export interface BundleSigner {
  /** @returns the key id and the DER signature of ECDSA P-256 / SHA-256 over `message` */
  sign(message: Uint8Array): Promise<{ keyId: string; signature: Uint8Array }>;
  /** The public key, PEM (SPKI). */
  publicKey(): Promise<string>;
}

/** Why a bundle does not verify: a sentence, and for a file the path with the expected and actual SHA-256 (hex; absent: no such file). */
export interface BundleFault {
  readonly reason: string;
  readonly file?: string;
  readonly expected?: string;
  readonly actual?: string;
}

const sha256Hex = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/** The manifest of a version's files (sorted by path, each hashed). */
export function buildManifest(input: Omit<BundleManifest, 'format' | 'files'> & { readonly files: SourceFiles }): BundleManifest {
  const files = Object.keys(input.files)
    .sort()
    .map((path) => ({ path, sha256: sha256Hex(input.files[path]), size: input.files[path].byteLength }));
  return {
    format: MANIFEST_FORMAT,
    target: input.target,
    version: input.version,
    changeId: input.changeId,
    createdAt: input.createdAt,
    config: input.config,
    artifactSha256: input.artifactSha256,
    files,
  };
}

/** The bytes a manifest's signature covers, and that are stored: its RFC 8785 JSON, UTF-8. */
export function manifestBytes(manifest: BundleManifest): Uint8Array {
  const text = canonicalize(manifest);
  if (text === undefined) throw new Error('manifest cannot be serialized');
  return new TextEncoder().encode(text);
}

/** SHA-256 (hex) of a manifest's stored bytes: what its version record holds. */
export const manifestSha256 = (bytes: Uint8Array): string => sha256Hex(bytes);

/** Signs a manifest's bytes. @throws whatever the signer throws (KMS errors) */
export async function signManifest(bytes: Uint8Array, signer: BundleSigner): Promise<BundleSignature> {
  const { keyId, signature } = await signer.sign(bytes);
  return { algorithm: BUNDLE_SIGNING_ALGORITHM, keyId, value: Buffer.from(signature).toString('base64') };
}

const Manifest = z.object({
  format: z.literal(MANIFEST_FORMAT),
  target: z.string(),
  version: z.string(),
  changeId: z.string().nullable(),
  createdAt: z.string(),
  config: z.record(z.string(), z.string()),
  artifactSha256: z.string(),
  files: z.array(z.object({ path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() })),
});

/**
 * Checks a stored manifest against its record and key, and parses it: its SHA-256 is the one
 * recorded, its signature verifies with `publicKeyPem`, it is a manifest of this format.
 * @returns the manifest, or the fault
 */
export function checkManifest(bytes: Uint8Array, record: BundleRecord, publicKeyPem: string): BundleManifest | BundleFault {
  const actual = manifestSha256(bytes);
  if (actual !== record.manifestSha256) {
    return {
      reason: `the manifest was altered: its SHA-256 is ${actual}, the version records ${record.manifestSha256}`,
      file: 'manifest',
      expected: record.manifestSha256,
      actual,
    };
  }
  let holds: boolean;
  try {
    holds =
      record.signature.algorithm === BUNDLE_SIGNING_ALGORITHM &&
      verify('sha256', bytes, createPublicKey(publicKeyPem), Buffer.from(record.signature.value, 'base64'));
  } catch {
    holds = false;
  }
  if (!holds) return { reason: `the manifest's signature does not verify with the bundle key` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return { reason: 'the manifest is not JSON' };
  }
  const manifest = Manifest.safeParse(parsed);
  return manifest.success ? (manifest.data as BundleManifest) : { reason: `the manifest is not a ${MANIFEST_FORMAT}: ${manifest.error.issues[0]?.message}` };
}

/**
 * Compares a bundle's code zip with its manifest: its files (to name what changed), then the zip's SHA-256.
 * @param unzip - reads the zip's files (`unzipSource`); throwing means no readable zip
 * @returns the first difference, or undefined when they match
 */
export function checkCode(manifest: BundleManifest, zip: Uint8Array, unzip: (zip: Uint8Array) => SourceFiles): BundleFault | undefined {
  let files: SourceFiles | undefined;
  try {
    files = unzip(zip);
  } catch {
    files = undefined;
  }
  const fileFault = files ? checkFiles(manifest, files) : { reason: 'the stored code is no readable zip' };
  if (fileFault) return fileFault;
  const actual = createHash('sha256').update(zip).digest('base64');
  return actual === manifest.artifactSha256
    ? undefined
    : {
        reason: `the code zip was altered (its files are intact): its SHA-256 is ${actual}, the manifest says ${manifest.artifactSha256}`,
        file: 'code zip',
        expected: manifest.artifactSha256,
        actual,
      };
}

/**
 * Compares a bundle's files with its manifest: the same paths, each with the manifest's SHA-256 and size.
 * @returns the first difference (by path), or undefined when they match
 */
export function checkFiles(manifest: BundleManifest, files: SourceFiles): BundleFault | undefined {
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const entry of manifest.files) {
    const bytes = files[entry.path];
    if (!bytes) return { reason: `${entry.path} is missing from the bundle`, file: entry.path, expected: entry.sha256 };
    const actual = sha256Hex(bytes);
    if (actual !== entry.sha256 || bytes.byteLength !== entry.size) {
      return {
        reason: `${entry.path} was altered: its SHA-256 is ${actual}, the manifest says ${entry.sha256}`,
        file: entry.path,
        expected: entry.sha256,
        actual,
      };
    }
  }
  const extra = Object.keys(files)
    .sort()
    .find((path) => !listed.has(path));
  return extra ? { reason: `${extra} is in the bundle but not in its manifest`, file: extra, actual: sha256Hex(files[extra]) } : undefined;
}

/** Whether a value is a fault rather than a manifest. */
export const isFault = (value: BundleManifest | BundleFault): value is BundleFault => 'reason' in value;
