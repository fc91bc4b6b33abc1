import { ApiError } from '../../lib/client/api-client';
import { type DemoContext, say } from './context';

const TARGET = 'benefit-calculator';

/**
 * Signed bundles: each version's manifest (its files' SHA-256, config, version, change) is signed
 * with the bundle key. Someone with write access to the artifact bucket changes one byte of the
 * stored code of 1.0.0; dana's activate of 1.0.0 is refused with a 409 and the ledger records it;
 * the original bytes put back, the bundle verifies again (the demo activates 1.0.0 later).
 */
export default async function signedBundles(ctx: DemoContext): Promise<void> {
  const { runtime, api, failures } = ctx;
  console.log('\n── Signed bundles: one byte of a stored bundle changes');
  const version = await runtime.services.store.getVersion(TARGET, '1.0.0');
  if (!version?.bundle) {
    failures.push('1.0.0 has no signed manifest');
    return;
  }
  say(
    `1.0.0's manifest ${version.bundle.manifestSha256.slice(0, 12)}… is signed ${version.bundle.signature.algorithm} by ${version.bundle.signature.keyId.split('/').pop()}`,
  );
  const key = version.artifact.uri.replace(/^s3:\/\/[^/]+\//, '');
  const original = await runtime.services.artifacts.read(version.artifact.uri);
  const altered = Uint8Array.from(original);
  altered[40] ^= 1;
  await runtime.services.artifacts.write(key, altered, 'application/zip');
  say(`mallory flips one bit of byte 40 of its stored code (s3://…/${key.split('/').pop()?.slice(0, 12)}…)`);
  try {
    await api.activate(TARGET, '1.0.0', 'demo: activate a tampered bundle', 'dana');
    failures.push('activating 1.0.0 with a changed byte was not refused');
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 409) failures.push(`activating a tampered 1.0.0 answered ${(err as Error).message}, expected a 409`);
    say(`dana activates 1.0.0: refused ${(err as Error).message}`);
  } finally {
    await runtime.services.artifacts.write(key, original, 'application/zip');
  }
  const refusal = (await api.audit({ target: TARGET }, 'erin')).items.filter((e) => e.type === 'BundleVerificationFailed').at(-1);
  if (!refusal) failures.push('no BundleVerificationFailed ledger entry');
  else say(`the ledger: #${refusal.seq} ${refusal.type} by ${refusal.actor} at ${String(refusal.details.checkpoint)} (${String(refusal.details.file)})`);
  const live = await api.target(TARGET);
  say(`the alias did not move: ${live.alias.name} → function version ${live.alias.functionVersion} (${live.liveVersion}); the original bytes put back`);
}
