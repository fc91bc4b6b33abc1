import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { strToU8 } from 'fflate';
import { sha256Base64, unzipSource, zipSource } from '../../../lambdas/core/artifact';
import {
  type BundleManifest,
  type BundleRecord,
  buildManifest,
  checkCode,
  checkFiles,
  checkManifest,
  isFault,
  MANIFEST_FORMAT,
  manifestBytes,
  manifestSha256,
  signedStatement,
  signManifest,
} from '../../../lambdas/core/bundle';

const FILES = { 'src/index.js': strToU8('exports.handler = async () => 1;\n'), 'package.json': strToU8('{"name":"calc"}') };
const ZIP = zipSource(FILES);
const base = {
  target: 'calc',
  version: '1.1.0',
  changeId: 'chg-1',
  createdAt: '2026-03-02T10:00:00.000Z',
  config: { RATE: '1' },
  artifactSha256: sha256Base64(ZIP),
};
const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const keys = generateKeyPairSync('ed25519');
const KEY_ID = 'arn:aws:kms:eu-west-1:123456789012:key/bundles';
const KEY = { keyId: KEY_ID, pem: keys.publicKey.export({ format: 'pem', type: 'spki' }).toString() };
/** What KMS Sign with ED25519_SHA_512 and MessageType RAW answers: pure Ed25519 over the message. */
const signer = {
  sign: async (message: Uint8Array) => ({ keyId: KEY_ID, signature: new Uint8Array(sign(null, message, keys.privateKey)) }),
  publicKey: async () => KEY,
};

/** A manifest's stored bytes and the record that signs them with `keys` (its statement, pure Ed25519). */
function signed(manifest: BundleManifest): { bytes: Uint8Array; record: BundleRecord } {
  const bytes = manifestBytes(manifest);
  const value = sign(null, signedStatement(manifestSha256(bytes)), keys.privateKey).toString('base64');
  return {
    bytes,
    record: {
      manifestUri: 'mem://m.json',
      manifestSha256: manifestSha256(bytes),
      signature: { algorithm: 'ED25519_SHA_512', keyId: KEY_ID, value },
      signedAt: base.createdAt,
    },
  };
}

describe('bundle manifests', () => {
  describe('buildManifest()', () => {
    it('lists every file sorted by path with its hex SHA-256 and size, and the version, change, config and time', () => {
      const manifest = buildManifest({ ...base, files: FILES });

      expect(manifest).toEqual({
        format: MANIFEST_FORMAT,
        ...base,
        files: [
          { path: 'package.json', sha256: sha256Hex(FILES['package.json']), size: 15 },
          { path: 'src/index.js', sha256: sha256Hex(FILES['src/index.js']), size: FILES['src/index.js'].byteLength },
        ],
      });
    });
  });

  describe('manifestBytes()', () => {
    it('is the RFC 8785 JSON: sorted keys, no whitespace, so the same manifest always gives the same bytes', () => {
      const manifest = buildManifest({ ...base, files: { 'a.js': strToU8('a') } });
      const { files, config, ...rest } = manifest;
      // The same members in another order.
      const reordered = JSON.parse(JSON.stringify({ files, config, ...rest })) as BundleManifest;

      const text = new TextDecoder().decode(manifestBytes(manifest));

      expect(text).toBe(
        `{"artifactSha256":"${base.artifactSha256}","changeId":"chg-1","config":{"RATE":"1"},"createdAt":"2026-03-02T10:00:00.000Z","files":[{"path":"a.js","sha256":"ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb","size":1}],"format":"${MANIFEST_FORMAT}","target":"calc","version":"1.1.0"}`,
      );
      expect(manifestBytes(reordered)).toEqual(manifestBytes(manifest));
    });
  });

  describe('signManifest()', () => {
    it('signs the short statement naming the manifest’s SHA-256 (any manifest size): plain Ed25519, as KMS ED25519_SHA_512 over RAW answers', async () => {
      const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`src/file-${i}.js`, strToU8(`module.exports = ${i};`)]));
      const bytes = manifestBytes(buildManifest({ ...base, files: many }));
      expect(bytes.byteLength).toBeGreaterThan(4096);

      const signature = await signManifest(bytes, signer);

      const statement = signedStatement(manifestSha256(bytes));
      expect(new TextDecoder().decode(statement)).toBe(`cmv-bundle-manifest-signature/1 sha256:${manifestSha256(bytes)}`);
      expect(signature).toEqual({ algorithm: 'ED25519_SHA_512', keyId: KEY_ID, value: expect.any(String) });
      expect(verify(null, statement, createPublicKey(KEY.pem), Buffer.from(signature.value, 'base64'))).toBe(true);
    });
  });

  describe('checkManifest()', () => {
    it('rejects a signature that is not over the statement (the manifest bytes signed directly)', () => {
      const { bytes, record } = signed(buildManifest({ ...base, files: FILES }));
      const value = sign(null, bytes, keys.privateKey).toString('base64');

      expect(checkManifest(bytes, { ...record, signature: { ...record.signature, value } }, KEY)).toEqual({
        reason: "the manifest's signature does not verify with the bundle key",
      });
    });

    it('rejects a record naming another algorithm (an ECDSA_SHA_256 signature of the earlier P-256 bundle key), naming it', () => {
      const { bytes, record } = signed(buildManifest({ ...base, files: FILES }));

      expect(checkManifest(bytes, { ...record, signature: { ...record.signature, algorithm: 'ECDSA_SHA_256' as 'ED25519_SHA_512' } }, KEY)).toEqual({
        reason: 'the manifest is signed with ECDSA_SHA_256, not ED25519_SHA_512 (the bundle key’s algorithm): sign the version again as a change',
      });
    });

    it('rejects a record naming another key, naming both', () => {
      const { bytes, record } = signed(buildManifest({ ...base, files: FILES }));

      expect(checkManifest(bytes, { ...record, signature: { ...record.signature, keyId: 'arn:aws:kms:eu-west-1:123456789012:key/old' } }, KEY)).toEqual({
        reason: `the manifest is signed by key arn:aws:kms:eu-west-1:123456789012:key/old, not the bundle key ${KEY_ID}`,
      });
    });

    it('answers the manifest when its hash is the recorded one and its signature verifies', () => {
      const manifest = buildManifest({ ...base, files: FILES });
      const { bytes, record } = signed(manifest);

      expect(checkManifest(bytes, record, KEY)).toEqual(manifest);
    });

    it('rejects a manifest with one byte changed, naming both hashes', () => {
      const { bytes, record } = signed(buildManifest({ ...base, files: FILES }));
      const altered = Uint8Array.from(bytes);
      altered[altered.length - 3] ^= 1;

      const fault = checkManifest(altered, record, KEY);

      expect(fault).toEqual({
        reason: expect.stringContaining('the manifest was altered'),
        file: 'manifest',
        expected: record.manifestSha256,
        actual: manifestSha256(altered),
      });
    });

    it('rejects a signature that does not verify with the bundle key (signed by another key)', () => {
      const { bytes, record } = signed(buildManifest({ ...base, files: FILES }));
      const other = { keyId: KEY_ID, pem: generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString() };

      expect(checkManifest(bytes, record, other)).toEqual({ reason: "the manifest's signature does not verify with the bundle key" });
    });

    it('rejects a record whose signature is no Ed25519 signature at all, without throwing', () => {
      const { bytes, record } = signed(buildManifest({ ...base, files: FILES }));

      const fault = checkManifest(bytes, { ...record, signature: { ...record.signature, value: 'bm90IGEgc2lnbmF0dXJl' } }, KEY);

      expect(fault).toEqual({ reason: "the manifest's signature does not verify with the bundle key" });
    });

    it('rejects signed bytes that are not a manifest of this format', () => {
      const bytes = new TextEncoder().encode('{"format":"something-else"}');
      const value = sign(null, signedStatement(manifestSha256(bytes)), keys.privateKey).toString('base64');
      const record: BundleRecord = {
        manifestUri: 'm',
        manifestSha256: manifestSha256(bytes),
        signature: { algorithm: 'ED25519_SHA_512', keyId: KEY_ID, value },
        signedAt: base.createdAt,
      };

      const fault = checkManifest(bytes, record, KEY);

      expect(isFault(fault) && fault.reason).toMatch(`is not a ${MANIFEST_FORMAT}`);
    });
  });

  describe('checkCode()', () => {
    const manifest = buildManifest({ ...base, files: FILES });

    it('answers nothing for the zip the manifest was built from', () => {
      expect(checkCode(manifest, ZIP, unzipSource)).toBeUndefined();
    });

    it('rejects a zip with one byte changed outside any file’s data (its files intact), naming both SHA-256s', () => {
      // Byte 35 is in the first local header's file name, which unzipping reads from the central directory instead.
      const altered = Uint8Array.from(ZIP);
      altered[35] ^= 1;
      expect(unzipSource(altered)).toEqual(FILES);

      expect(checkCode(manifest, altered, unzipSource)).toEqual({
        reason: expect.stringContaining('the code zip was altered (its files are intact)'),
        file: 'code zip',
        expected: base.artifactSha256,
        actual: sha256Base64(altered),
      });
    });

    it('rejects bytes that are no zip', () => {
      expect(checkCode(manifest, strToU8('not a zip'), unzipSource)).toEqual({ reason: 'the stored code is no readable zip' });
    });
  });

  describe('checkFiles()', () => {
    const manifest = buildManifest({ ...base, files: FILES });

    it('answers nothing when the files are exactly the manifest’s', () => {
      expect(checkFiles(manifest, { ...FILES })).toBeUndefined();
    });

    it('names the file with one byte changed, with the expected and actual SHA-256', () => {
      const altered = Uint8Array.from(FILES['src/index.js']);
      altered[0] ^= 1;

      const fault = checkFiles(manifest, { ...FILES, 'src/index.js': altered });

      const expected = manifest.files.find((f) => f.path === 'src/index.js')?.sha256;
      expect(fault).toEqual({
        reason: expect.stringContaining('src/index.js was altered'),
        file: 'src/index.js',
        expected,
        actual: expect.not.stringMatching(expected ?? ''),
      });
    });

    it('rejects a missing file and a file the manifest does not list', () => {
      expect(checkFiles(manifest, { 'src/index.js': FILES['src/index.js'] })).toMatchObject({
        reason: 'package.json is missing from the bundle',
        file: 'package.json',
      });
      expect(checkFiles(manifest, { ...FILES, 'evil.js': strToU8('x') })).toMatchObject({
        reason: 'evil.js is in the bundle but not in its manifest',
        file: 'evil.js',
      });
    });
  });
});
