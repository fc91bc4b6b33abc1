import { actorFields, MAX_USER_AGENT_LENGTH } from '../../../lambdas/core/actor';

describe('actor', () => {
  describe('actorFields()', () => {
    it("records a person by id, with their roles and the request's source IP and user agent as the actor context", () => {
      const fields = actorFields({ id: 'bob', roles: ['approver'], sourceIp: '203.0.113.7', userAgent: 'cmv-cli/1.0' });

      expect(fields).toEqual({ actor: 'bob', actorContext: { roles: ['approver'], sourceIp: '203.0.113.7', userAgent: 'cmv-cli/1.0' } });
    });

    it('leaves out the source IP and user agent when the request had none', () => {
      expect(actorFields({ id: 'bob', roles: ['approver'] })).toEqual({ actor: 'bob', actorContext: { roles: ['approver'] } });
      expect(actorFields({ id: 'bob', roles: [], sourceIp: '', userAgent: '' })).toEqual({ actor: 'bob', actorContext: { roles: [] } });
    });

    it('records a system actor (the workflow, an alarm) by its name alone', () => {
      expect(actorFields('cmv-workflow')).toEqual({ actor: 'cmv-workflow' });
    });

    it('cuts a user agent longer than MAX_USER_AGENT_LENGTH characters, so a client cannot bloat the ledger', () => {
      const fields = actorFields({ id: 'bob', roles: [], userAgent: 'x'.repeat(MAX_USER_AGENT_LENGTH + 100) });

      expect(fields.actorContext?.userAgent).toHaveLength(MAX_USER_AGENT_LENGTH);
    });
  });
});
