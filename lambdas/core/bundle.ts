import { createHash, createPublicKey, verify } from 'node:crypto';
import canonicalize from 'canonicalize';
import * as z from 'zod';
import type { SourceFiles } from './artifact';
import type { FunctionConfig } from './change-request';

/**
 * Bundles: a version's code (its files), config, version and change id, described by a manifest —
 * each file's path, SHA-256 and size — stored as RFC 8785 JSON. The bundle key (KMS
 * ECC_NIST_EDWARDS25519; locally the KMS stand-in's Ed25519 key) signs, with `ED25519_SHA_512`
 * over MessageType RAW — plain Ed25519 (RFC 8032) —, not the manifest itself, which may be larger
 * than the 4096 bytes KMS signs RAW, but a short statement naming its SHA-256
 * ({@link signedStatement}). A bundle verifies when the stored manifest has the SHA-256 its version
 * record holds, the record names the bundle key and its algorithm, the signature over the statement
 * of that SHA-256 verifies with the bundle key, the manifest names that version, and the stored code
 * has exactly its files with their hashes.
 */

/** The format of a manifest (a verifier refuses others). */
export const MANIFEST_FORMAT = 'cmv-bundle-manifest/1';

/** The signature algorithm of manifests (KMS SigningAlgorithm, used with MessageType RAW): pure Ed25519. */
export const BUNDLE_SIGNING_ALGORITHM = 'ED25519_SHA_512';

/** What a statement starts with: says what is signed, so that no other message the key might sign reads as a manifest's statement. */
const STATEMENT_PREFIX = 'cmv-bundle-manifest-signature/1 sha256:';

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
  /** The 64-byte Ed25519 signature of the manifest's statement ({@link signedStatement}), base64. */
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

/** The bundle key's public half: its id (the KMS key ARN, as Sign answers it) and the key, PEM (SPKI). */
export interface BundleKey {
  readonly keyId: string;
  readonly pem: string;
}

/** Signs bytes with the bundle key (KMS Sign; locally the KMS stand-in). */
export interface BundleSigner {
  /**
   * @param message - at most 4096 bytes (KMS Sign's RAW limit)
   * @returns the key id and the 64-byte Ed25519 signature over `message` (KMS `ED25519_SHA_512`, MessageType RAW)
   * @throws Error for a longer message; whatever KMS throws
   */
  sign(message: Uint8Array): Promise<{ keyId: string; signature: Uint8Array }>;
  /** The key's id and public key (KMS GetPublicKey). */
  publicKey(): Promise<BundleKey>;
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

/**
 * The bytes the bundle key signs for a manifest: the ASCII line
 * `cmv-bundle-manifest-signature/1 sha256:<the manifest's SHA-256, hex>` (no newline) — 103 bytes
 * whatever the manifest's size, so KMS signs it RAW as plain Ed25519, and anyone can check it with
 * the manifest, the record and the public key alone (`openssl pkeyutl -verify -rawin`).
 */
export function signedStatement(manifestSha256Hex: string): Uint8Array {
  return new TextEncoder().encode(`${STATEMENT_PREFIX}${manifestSha256Hex}`);
}

/** Signs a manifest: the statement of its SHA-256 ({@link signedStatement}). @throws whatever the signer throws (KMS errors) */
export async function signManifest(bytes: Uint8Array, signer: BundleSigner): Promise<BundleSignature> {
  const { keyId, signature } = await signer.sign(signedStatement(manifestSha256(bytes)));
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
 * recorded, the record names `key` and {@link BUNDLE_SIGNING_ALGORITHM}, its signature of the
 * statement of that SHA-256 verifies with `key`, it is a manifest of this format.
 * @returns the manifest, or the fault
 */
export function checkManifest(bytes: Uint8Array, record: BundleRecord, key: BundleKey): BundleManifest | BundleFault {
  const actual = manifestSha256(bytes);
  if (actual !== record.manifestSha256) {
    return {
      reason: `the manifest was altered: its SHA-256 is ${actual}, the version records ${record.manifestSha256}`,
      file: 'manifest',
      expected: record.manifestSha256,
      actual,
    };
  }
  const { algorithm, keyId, value } = record.signature;
  if (algorithm !== BUNDLE_SIGNING_ALGORITHM) {
    return {
      reason: `the manifest is signed with ${algorithm}, not ${BUNDLE_SIGNING_ALGORITHM} (the bundle key’s algorithm): sign the version again as a change`,
    };
  }
  if (keyId !== key.keyId) return { reason: `the manifest is signed by key ${keyId}, not the bundle key ${key.keyId}` };
  let holds: boolean;
  try {
    holds = verify(null, signedStatement(actual), createPublicKey(key.pem), Buffer.from(value, 'base64'));
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
