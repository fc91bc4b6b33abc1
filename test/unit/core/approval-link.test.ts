import { createHash, createHmac } from 'node:crypto';
import { linkHash, signLink, verifyLink } from '../../../lambdas/core/approval-link';

const SECRET = 'link-secret-for-tests';
const NOW = new Date('2026-03-01T09:00:00.000Z');
const NOW_S = NOW.getTime() / 1000;
const claims = { changeId: 'chg-1', approver: 'bob@example.org' };

const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

describe('approval-link', () => {
  describe('signLink() / verifyLink()', () => {
    it('returns the claims when the token is verified with the same secret before it expires', () => {
      // Arrange
      const token = signLink(SECRET, claims, NOW, 3600);

      // Act
      const result = verifyLink(SECRET, token, later(3599));

      // Assert
      expect(result).toEqual({ ok: true, claims: { changeId: 'chg-1', approver: 'bob@example.org', expiresAt: NOW_S + 3600 } });
    });

    it('refuses the token as expired when now is at or after its expiry', () => {
      const token = signLink(SECRET, claims, NOW, 3600);

      expect(verifyLink(SECRET, token, later(3600))).toEqual({ ok: false, problem: 'expired' });
      expect(verifyLink(SECRET, token, later(7200))).toEqual({ ok: false, problem: 'expired' });
    });

    it('refuses the token as forged when it was signed with another secret', () => {
      const token = signLink('another-secret', claims, NOW, 3600);

      expect(verifyLink(SECRET, token, NOW)).toEqual({ ok: false, problem: 'forged' });
    });

    it('accepts a token signed with any of the keys given (the current and the previous one after a rotation)', () => {
      const token = signLink('previous-secret', claims, NOW, 3600);

      expect(verifyLink(['current-secret', 'previous-secret'], token, NOW)).toMatchObject({ ok: true, claims: { approver: 'bob@example.org' } });
      expect(verifyLink(['current-secret', 'older-secret'], token, NOW)).toEqual({ ok: false, problem: 'forged' });
      expect(verifyLink([], token, NOW)).toEqual({ ok: false, problem: 'forged' });
    });

    it('refuses the token as forged when the approver in the payload was swapped and the signature kept', () => {
      // Arrange
      const [payload, signature] = signLink(SECRET, claims, NOW, 3600).split('.');
      const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      const swapped = Buffer.from(JSON.stringify({ ...body, a: 'mallory@example.org' })).toString('base64url');

      // Act
      const result = verifyLink(SECRET, `${swapped}.${signature}`, NOW);

      // Assert
      expect(result).toEqual({ ok: false, problem: 'forged' });
    });

    it('refuses the token as forged when the expiry in the payload was extended', () => {
      const [payload, signature] = signLink(SECRET, claims, NOW, 60).split('.');
      const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      const extended = Buffer.from(JSON.stringify({ ...body, e: body.e + 86_400 })).toString('base64url');

      expect(verifyLink(SECRET, `${extended}.${signature}`, later(120))).toEqual({ ok: false, problem: 'forged' });
    });

    it.each(['', 'garbage', 'no-dot-at-all', '.signature-only', 'payload-only.', 'a.b.c'])('refuses %j as malformed', (token) => {
      expect(verifyLink(SECRET, token, NOW)).toEqual({ ok: false, problem: 'malformed' });
    });

    it('refuses a correctly signed token as malformed when its payload lacks the claims', () => {
      const payload = Buffer.from(JSON.stringify({ c: 'chg-1' })).toString('base64url');
      const signature = createHmac('sha256', SECRET).update(payload).digest('base64url');

      expect(verifyLink(SECRET, `${payload}.${signature}`, NOW)).toEqual({ ok: false, problem: 'malformed' });
    });

    it('refuses a correctly signed token as malformed when its payload is not JSON', () => {
      const payload = Buffer.from('not json').toString('base64url');
      const signature = createHmac('sha256', SECRET).update(payload).digest('base64url');

      expect(verifyLink(SECRET, `${payload}.${signature}`, NOW)).toEqual({ ok: false, problem: 'malformed' });
    });

    it('gives two different tokens when the same approver gets two links (nonce)', () => {
      const first = signLink(SECRET, claims, NOW, 3600);
      const second = signLink(SECRET, claims, NOW, 3600);

      expect(first).not.toBe(second);
      expect(verifyLink(SECRET, second, NOW)).toMatchObject({ ok: true, claims: { approver: 'bob@example.org' } });
    });
  });

  describe('linkHash()', () => {
    it('returns the hex SHA-256 of the token', () => {
      const token = signLink(SECRET, claims, NOW, 3600);

      const hash = linkHash(token);

      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      expect(hash).toBe(createHash('sha256').update(token).digest('hex'));
    });

    it('differs when the tokens differ', () => {
      expect(linkHash(signLink(SECRET, claims, NOW, 3600))).not.toBe(linkHash(signLink(SECRET, claims, NOW, 3600)));
    });
  });
});
