import type { Change } from '../../../lambdas/core/change';
import { releaseNoteOf, releaseNotesBetween, releaseNotesMarkdown } from '../../../lambdas/core/release-notes';
import { aChange, TARGET } from '../../fixtures/records';

const vote = (approver: string, decision: 'approve' | 'reject') => ({ approver, roles: ['approver'], decision, comment: '', at: '2026-11-02T10:00:00.000Z' });
const released = (version: string, over: Partial<Change> = {}): Change =>
  aChange({
    changeId: `chg-${version}`,
    version,
    status: 'deployed',
    title: `Release ${version}`,
    approvals: [vote('bob', 'approve'), vote('carol', 'reject')],
    tests: {
      passed: true,
      buildId: 'b',
      buildStatus: 'SUCCEEDED',
      at: '2026-11-02T09:00:00.000Z',
      suites: [{ suite: 'unit', command: 'x', passed: true, durationMs: 1, output: '' }],
    },
    ...over,
  } as Partial<Change>);

describe('releaseNotesBetween()', () => {
  it('takes the versions above from up to to, oldest first, released ones with notes and the rest apart with their reason', () => {
    const changes = [
      released('1.3.0'),
      released('1.0.0'),
      released('1.2.0', { status: 'rolled_back', reason: 'alarm x in ALARM' }),
      released('1.1.0'),
      released('1.10.0'),
      released('2.0.0'),
    ];

    const notes = releaseNotesBetween(TARGET, '1.0.0', '1.10.0', changes);

    expect(notes.released.map((n) => n.version)).toEqual(['1.1.0', '1.3.0', '1.10.0']);
    expect(notes.notReleased).toEqual([{ version: '1.2.0', changeId: 'chg-1.2.0', status: 'rolled_back', reason: 'alarm x in ALARM' }]);
  });
});

describe('releaseNoteOf()', () => {
  it('names the approvers who approved (not those who rejected) and the suites run', () => {
    const note = releaseNoteOf(released('1.1.0'));

    expect(note).toMatchObject({
      version: '1.1.0',
      title: 'Release 1.1.0',
      approvers: [{ approver: 'bob', roles: ['approver'] }],
      tests: [{ suite: 'unit', passed: true }],
    });
  });
});

describe('releaseNotesMarkdown()', () => {
  it('puts the newest release first and escapes markup in what requesters wrote', () => {
    const notes = releaseNotesBetween(TARGET, '1.0.0', '1.2.0', [
      released('1.1.0', { title: 'Fix <script>alert(1)</script> | *bold*' }),
      released('1.2.0', { approvals: [], tests: undefined }),
    ]);

    const md = releaseNotesMarkdown(notes);

    expect(md.indexOf('## 1.2.0')).toBeLessThan(md.indexOf('## 1.1.0'));
    expect(md).toContain('Fix \\<script\\>alert(1)\\</script\\> \\| \\*bold\\*');
    expect(md).toContain('- Approved by: pre-approved by the policy');
    expect(md).toContain('- Tests: none required');
    expect(md).not.toContain('## Not released');
  });

  it('says so when nothing in the range was released', () => {
    const md = releaseNotesMarkdown(releaseNotesBetween(TARGET, '1.0.0', '1.2.0', [released('1.1.0', { status: 'tests_failed' })]));

    expect(md).toContain('No version in this range was released.');
    expect(md).toContain('## Not released\n\n- 1.1.0: tests_failed');
  });
});
