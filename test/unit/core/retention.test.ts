import { type RetentionInput, versionsToRetire } from '../../../lambdas/core/retention';

const versions = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));

const input = (overrides: Partial<RetentionInput>): RetentionInput => ({
  published: versions(8),
  aliasVersions: ['8'],
  live: '8',
  lastGood: '7',
  keep: 5,
  ...overrides,
});

describe('retention', () => {
  describe('versionsToRetire()', () => {
    it('retires the versions older than the keep newest, oldest first', () => {
      expect(versionsToRetire(input({}))).toEqual(['1', '2', '3']);
    });

    it('retires nothing when no more versions than keep are published', () => {
      expect(versionsToRetire(input({ published: versions(5), aliasVersions: ['5'], live: '5', lastGood: '4' }))).toEqual([]);
    });

    it('orders versions by number, not as text', () => {
      // Arrange: "10" sorts before "9" as text.
      const published = ['10', '9', '11', '2', '1'];

      // Act
      const retired = versionsToRetire(input({ published, aliasVersions: ['11'], live: '11', lastGood: '10', keep: 2 }));

      // Assert
      expect(retired).toEqual(['1', '2', '9']);
    });

    it('keeps the live version when it is older than the keep newest (after an activation of an old version)', () => {
      expect(versionsToRetire(input({ live: '2', aliasVersions: ['2'], lastGood: '8' }))).toEqual(['1', '3']);
    });

    it('keeps the last good version when it is older than the keep newest', () => {
      // Arrange: 4–8 were published after 2, and none of them reached deployed.
      const retired = versionsToRetire(input({ lastGood: '2' }));

      // Assert
      expect(retired).toEqual(['1', '3']);
    });

    it('keeps every version an alias routes to, weighted ones included', () => {
      expect(versionsToRetire(input({ aliasVersions: ['8', '3'], keep: 2 }))).toEqual(['1', '2', '4', '5', '6']);
    });

    it('keeps the live version even when no alias names it', () => {
      expect(versionsToRetire(input({ aliasVersions: [], live: '1' }))).toEqual(['2', '3']);
    });

    it('keeps only the protected versions when keep is 0', () => {
      expect(versionsToRetire(input({ keep: 0 }))).toEqual(['1', '2', '3', '4', '5', '6']);
    });

    it('retires nothing when nothing is published', () => {
      expect(versionsToRetire(input({ published: [] }))).toEqual([]);
    });

    it('works without a last good version (only the first version was ever live)', () => {
      expect(versionsToRetire(input({ published: ['1', '2', '3'], aliasVersions: ['1'], live: '1', lastGood: undefined, keep: 1 }))).toEqual(['2']);
    });

    it('ignores $LATEST, names that are not version numbers, and duplicates', () => {
      // Arrange
      const published = ['$LATEST', 'live', '1', '1', '2', '3', '03'];

      // Act
      const retired = versionsToRetire(input({ published, aliasVersions: ['3'], live: '3', lastGood: undefined, keep: 1 }));

      // Assert
      expect(retired).toEqual(['1', '2']);
    });

    it.each([[-1], [1.5], [Number.NaN]])('rejects keep %p', (keep) => {
      expect(() => versionsToRetire(input({ keep }))).toThrow(`keep must be an integer >= 0, got ${keep}`);
    });
  });
});
