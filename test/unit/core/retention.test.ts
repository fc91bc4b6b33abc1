import { lastLiveTimes, type RetentionInput, versionsToRetire } from '../../../lambdas/core/retention';

const versions = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));

const input = (overrides: Partial<RetentionInput>): RetentionInput => ({
  published: versions(8),
  aliasVersions: ['8'],
  live: '8',
  lastGood: '7',
  keep: 5,
  keepDays: 90,
  now: new Date(NOW),
  lastLiveAt: {},
  ...overrides,
});

const NOW = '2026-06-01T12:00:00.000Z';
const DAY_MS = 86_400_000;
/** The ISO time `days` days (and `ms` more milliseconds) before NOW. */
const daysAgo = (days: number, ms = 0) => new Date(Date.parse(NOW) - days * DAY_MS - ms).toISOString();

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

    describe('by age (keepDays)', () => {
      it('keeps a version beyond keep that was live less than keepDays ago, and retires one last live longer ago', () => {
        // Arrange: 3 was live until 89 days ago, 2 until 91 days ago; 1 has no known time.
        const lastLiveAt = { '3': daysAgo(89), '2': daysAgo(91) };

        // Act
        const retired = versionsToRetire(input({ lastLiveAt }));

        // Assert
        expect(retired).toEqual(['1', '2']);
      });

      it('keeps a version last live just under keepDays ago and retires one last live exactly keepDays ago', () => {
        // Arrange: 3 is 1 ms younger than 90 days, 2 exactly 90 days old.
        const lastLiveAt = { '3': daysAgo(89, DAY_MS - 1), '2': daysAgo(90) };

        // Act
        const retired = versionsToRetire(input({ lastLiveAt }));

        // Assert
        expect(retired).toEqual(['1', '2']);
      });

      it('keeps every version live within keepDays, whatever keep says', () => {
        // Arrange: all 8 versions were published in the last 10 days.
        const lastLiveAt = Object.fromEntries(versions(8).map((v) => [v, daysAgo(10 - Number(v))]));

        // Act
        const retired = versionsToRetire(input({ lastLiveAt, keep: 2 }));

        // Assert
        expect(retired).toEqual([]);
      });

      it('retires a version with no known time by count alone (CMV never published it or made it live within the window)', () => {
        expect(versionsToRetire(input({ lastLiveAt: { '1': daysAgo(1) } }))).toEqual(['2', '3']);
      });

      it('turns the age rule off with keepDays 0', () => {
        expect(versionsToRetire(input({ keepDays: 0, lastLiveAt: { '1': daysAgo(0), '2': daysAgo(0) } }))).toEqual(['1', '2', '3']);
      });

      it('keeps a version whose time is in the future (a clock behind the ledger)', () => {
        expect(versionsToRetire(input({ lastLiveAt: { '1': daysAgo(-1) } }))).toEqual(['2', '3']);
      });

      it.each([[-1], [1.5], [Number.NaN]])('rejects keepDays %p', (keepDays) => {
        expect(() => versionsToRetire(input({ keepDays }))).toThrow(`keepDays must be an integer >= 0, got ${keepDays}`);
      });
    });
  });

  describe('lastLiveTimes()', () => {
    const records = [{ version: '1.0.0', functionVersion: '1' }, { version: '1.1.0', functionVersion: '2' }, { version: '1.2.0' }];
    const entry = (type: string, time: string, details: Record<string, unknown>) => ({ type, time, details });

    it('takes the time a version was registered or published', () => {
      const times = lastLiveTimes(
        [entry('TargetRegistered', daysAgo(200), { functionVersion: '1' }), entry('VersionPublished', daysAgo(100), { functionVersion: '2' })],
        records,
      );

      expect(times).toEqual({ '1': daysAgo(200), '2': daysAgo(100) });
    });

    it('takes the time a version was replaced as the live one, by a deployment or an activation', () => {
      const times = lastLiveTimes(
        [
          entry('ChangeDeployed', daysAgo(50), { version: '1.1.0', functionVersion: '2', previous: '1.0.0' }),
          entry('VersionActivated', daysAgo(20), { version: '1.0.0', functionVersion: '1', previousVersion: '1.1.0', previousFunctionVersion: '2' }),
          entry('ChangeDeployed', daysAgo(5), { version: '1.3.0', functionVersion: '4', previous: '1.0.0' }),
        ],
        records,
      );

      expect(times).toEqual({ '1': daysAgo(5), '2': daysAgo(20), '4': daysAgo(5) });
    });

    it('takes the version live when a deployment started or a rollback restored it', () => {
      const times = lastLiveTimes(
        [
          entry('DeploymentStarted', daysAgo(30), { strategy: 'alias-weights', fromVersion: '1.0.0', fromFunctionVersion: '1' }),
          entry('ChangeRolledBack', daysAgo(29), { restoredFunctionVersion: '1', restoredVersion: '1.0.0' }),
        ],
        records,
      );

      expect(times).toEqual({ '1': daysAgo(29) });
    });

    it('keeps the latest time of a version whatever the order of the entries, and ignores other entries and unknown versions', () => {
      const times = lastLiveTimes(
        [
          entry('VersionPublished', daysAgo(3), { functionVersion: '2' }),
          entry('VersionPublished', daysAgo(9), { functionVersion: '2' }),
          entry('ChangeDeployed', daysAgo(4), { version: '1.2.0', functionVersion: '3', previous: '9.9.9' }),
          entry('VersionsRetired', daysAgo(1), { retired: [{ functionVersion: '1' }] }),
          entry('ChangeApproved', daysAgo(1), { functionVersion: '1' }),
        ],
        records,
      );

      expect(times).toEqual({ '2': daysAgo(3), '3': daysAgo(4) });
    });
  });
});
