import { type DemoContext, say } from './context';

/** Release notes of the 1.x versions so far, from their change requests, as `cmv release-notes benefit-calculator 1.0.0..1.9.9` prints them. */
export async function releaseNotesSection({ api, failures }: DemoContext): Promise<void> {
  console.log('\n── Release notes: what 1.0.0..1.9.9 brought, from the change requests');
  const notes = await api.releaseNotes('benefit-calculator', '1.0.0', '1.9.9');
  say(
    `released: ${notes.released.map((n) => `${n.version} (approved by ${n.approvers.map((a) => a.approver).join(', ') || 'the policy'})`).join(', ')}; not released: ${notes.notReleased.map((n) => `${n.version} ${n.status}`).join(', ')}`,
  );
  for (const line of notes.markdown.split('\n').slice(0, 8)) console.log(`    ${line}`);
  if (!notes.released.some((n) => n.version === '1.1.0')) failures.push('the release notes do not list 1.1.0');
  if (!notes.notReleased.some((n) => n.version === '1.2.0' && n.status === 'rolled_back')) failures.push('the release notes do not list 1.2.0 as rolled back');
}
