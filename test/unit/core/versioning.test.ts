import fc from 'fast-check';
import semver from 'semver';
import { ConflictError } from '../../../lambdas/core/errors';
import { newestFirst, nextVersion, versionOrderKey } from '../../../lambdas/core/versioning';

describe('versioning', () => {
  describe('nextVersion()', () => {
    it.each([
      ['minor', '0.1.0'],
      ['major', '1.0.0'],
      ['patch', '0.0.1'],
    ] as const)('returns the first %s version from 0.0.0 when the target has no versions', (bump, expected) => {
      expect(nextVersion([], undefined, bump)).toBe(expected);
    });

    it.each([
      ['minor', '1.11.0'],
      ['patch', '1.10.1'],
      ['major', '2.0.0'],
    ] as const)('bumps %s from the highest version when the versions are unordered', (bump, expected) => {
      // Arrange: 1.10.0 is highest by semver but not by string order.
      const existing = ['1.10.0', '1.2.0', '1.9.3'];

      // Act
      const next = nextVersion(existing, undefined, bump);

      // Assert
      expect(next).toBe(expected);
    });

    it('does not reorder the given array when it sorts', () => {
      const existing = ['1.2.0', '1.10.0'];

      nextVersion(existing, undefined, 'minor');

      expect(existing).toEqual(['1.2.0', '1.10.0']);
    });

    it('returns the named version when it does not exist yet', () => {
      expect(nextVersion(['1.0.0', '1.1.0'], '3.0.0', 'minor')).toBe('3.0.0');
    });

    it('rejects the named version with ConflictError when it already exists', () => {
      expect(() => nextVersion(['1.0.0', '1.1.0'], '1.1.0', 'minor')).toThrow(ConflictError);
      expect(() => nextVersion(['1.0.0', '1.1.0'], '1.1.0', 'minor')).toThrow('version 1.1.0 already exists');
    });
  });

  describe('newestFirst()', () => {
    it('sorts versions by semver, highest first, when given in any order', () => {
      expect(newestFirst(['1.2.0', '0.9.0', '1.10.0', '1.2.1'])).toEqual(['1.10.0', '1.2.1', '1.2.0', '0.9.0']);
    });

    it('returns a new array when it sorts', () => {
      const versions = ['1.0.0', '2.0.0'];

      const sorted = newestFirst(versions);

      expect(sorted).not.toBe(versions);
      expect(versions).toEqual(['1.0.0', '2.0.0']);
    });
  });
});

describe('versionOrderKey()', () => {
  const semverArb = fc
    .tuple(
      fc.nat({ max: 10_000_000 }),
      fc.nat({ max: 30 }),
      fc.nat({ max: 12_000 }),
      fc.option(
        fc.array(fc.oneof(fc.nat({ max: 1_000_000 }).map(String), fc.stringMatching(/^[0-9A-Za-z-]*[A-Za-z-][0-9A-Za-z-]*$/)), { minLength: 1, maxLength: 4 }),
      ),
    )
    .map(([major, minor, patch, pre]) => `${major}.${minor}.${patch}${pre ? `-${pre.join('.')}` : ''}`)
    .filter((v) => semver.valid(v) === v);

  it('orders keys as byte strings exactly as semver orders the versions (semver.org §11)', () => {
    fc.assert(
      fc.property(semverArb, semverArb, (a, b) => {
        const byKey = Math.sign(Buffer.compare(Buffer.from(versionOrderKey(a)), Buffer.from(versionOrderKey(b))));
        expect(byKey).toBe(semver.compare(a, b));
      }),
      { numRuns: 2_000 },
    );
  });

  it.each([
    ['1.0.0-alpha', '1.0.0-alpha.1'],
    ['1.0.0-alpha.1', '1.0.0-alpha.beta'],
    ['1.0.0-alpha.x', '1.0.0-alpha-b'],
    ['1.0.0-beta.2', '1.0.0-beta.11'],
    ['1.0.0-rc.1', '1.0.0'],
    ['1.9.0', '1.10.0'],
  ])('puts %s before %s', (lower, higher) => {
    expect(versionOrderKey(lower) < versionOrderKey(higher)).toBe(true);
  });
});
