import { createPublicKey, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BundleRecord, signedStatement } from '../../lambdas/core/bundle';
import type { LedgerEntry } from '../../lambdas/core/ledger';
import type { Driver } from './crash-rig';
import { killAll, type Rig, runChain, startRig, summary, TARGET } from './crash-rig';

/**
 * Issue 13: the runtime registers the example target at its first start and is killed right after
 * the registration committed, before its first version was signed; started again on the same data,
 * the start-up reconciliation signs that version (after checking its stored code against the
 * SHA-256 recorded at intake), once, with the local bundle key.
 */
jest.setTimeout(300_000);

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await killAll();
  await rig?.dispose();
});

/** Nothing to drive: the registration happens at the start. */
const idle: Driver = { step: async () => true };

describe('crash between a registration and its signing', () => {
  it('signs the registered first version at the next start', async () => {
    // Act
    const { last, api, runs } = await runChain(rig, ['commit:TargetRegistered'], idle);

    // Assert
    try {
      const bundle = (await api.versions(TARGET)).items.find((v) => v.version === '1.0.0')?.bundle as BundleRecord | undefined;
      expect(bundle).toMatchObject({ signature: { algorithm: 'ED25519_SHA_512' } });
      // The signature holds under the local bundle key (the stand-in's key file in the data dir).
      const key = createPublicKey(await readFile(join(rig.dataDir, 'bundle-key.pem'), 'utf8'));
      expect(verify(null, signedStatement(bundle?.manifestSha256 ?? ''), key, Buffer.from(bundle?.signature.value ?? '', 'base64'))).toBe(true);
      const entries: LedgerEntry[] = (await api.audit({ target: TARGET, limit: '500' }, 'erin')).items;
      expect(entries.filter((e) => e.type === 'TargetRegistered')).toHaveLength(1);
      expect(entries.filter((e) => e.type === 'BundleSigned')).toEqual([
        expect.objectContaining({ actor: 'cmv-workflow', details: expect.objectContaining({ version: '1.0.0' }) }),
      ]);
      expect(await api.verify('erin')).toMatchObject({ valid: true });
      console.log(summary(runs));
    } finally {
      await last.kill();
    }
  });
});
