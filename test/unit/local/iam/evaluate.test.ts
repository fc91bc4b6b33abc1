import { evaluate, type IamRequest, type Statement, UnsupportedPolicyError } from '../../../../lib/local/iam/evaluate';

const TABLE = 'arn:aws:dynamodb:local:000000000000:table/cmv-changes';
const FUNCTION = 'arn:aws:lambda:local:000000000000:function:benefit-calculator';
const KEY = 'arn:aws:kms:local:000000000000:key/local';

const request = (action: string, resource: string, context: IamRequest['context'] = {}): IamRequest => ({ action, resource, context });
const allow = (Action: string | string[], Resource: string | string[], Condition?: Statement['Condition']): Statement => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...(Condition ? { Condition } : {}),
});

describe('evaluate()', () => {
  describe('actions and resources', () => {
    it('allows an action a statement names on the resource it names', () => {
      // Arrange
      const policy = [allow(['dynamodb:GetItem', 'dynamodb:Query'], TABLE)];
      // Act
      const decision = evaluate(policy, request('dynamodb:Query', TABLE));
      // Assert
      expect(decision).toEqual({ effect: 'allow' });
    });

    it('denies implicitly an action no statement names', () => {
      const decision = evaluate([allow('dynamodb:GetItem', TABLE)], request('dynamodb:PutItem', TABLE));
      expect(decision).toEqual({ effect: 'implicit-deny' });
    });

    it('denies implicitly a resource no statement names (a qualified ARN is not the unqualified one)', () => {
      const decision = evaluate([allow('lambda:InvokeFunction', `${FUNCTION}:live`)], request('lambda:InvokeFunction', `${FUNCTION}:3`));
      expect(decision).toEqual({ effect: 'implicit-deny' });
    });

    it('matches action names case-insensitively, as IAM does', () => {
      expect(evaluate([allow('Lambda:updateAlias', FUNCTION)], request('lambda:UpdateAlias', FUNCTION))).toEqual({ effect: 'allow' });
    });

    it('matches wildcards in actions', () => {
      const policy = [allow('lambda:Get*', FUNCTION)];
      expect(evaluate(policy, request('lambda:GetAlias', FUNCTION)).effect).toBe('allow');
      expect(evaluate(policy, request('lambda:UpdateAlias', FUNCTION)).effect).toBe('implicit-deny');
    });

    it('matches wildcards in resources across ARN separators, and ? as one character', () => {
      const policy = [allow('lambda:DeleteFunction', `${FUNCTION}:*`), allow('s3:GetObject', 'arn:aws:s3:::cmv-artifacts/diffs/?.zip')];
      expect(evaluate(policy, request('lambda:DeleteFunction', `${FUNCTION}:7`)).effect).toBe('allow');
      expect(evaluate(policy, request('lambda:DeleteFunction', FUNCTION)).effect).toBe('implicit-deny');
      expect(evaluate(policy, request('s3:GetObject', 'arn:aws:s3:::cmv-artifacts/diffs/a.zip')).effect).toBe('allow');
      expect(evaluate(policy, request('s3:GetObject', 'arn:aws:s3:::cmv-artifacts/diffs/ab.zip')).effect).toBe('implicit-deny');
    });

    it('matches resources case-sensitively', () => {
      expect(evaluate([allow('lambda:GetAlias', FUNCTION)], request('lambda:GetAlias', FUNCTION.toUpperCase())).effect).toBe('implicit-deny');
    });

    it('allows everything but NotAction, and every resource but NotResource', () => {
      const policy: Statement[] = [{ Effect: 'Allow', NotAction: 'lambda:DeleteFunction', NotResource: `${FUNCTION}:*` }];
      expect(evaluate(policy, request('lambda:GetAlias', FUNCTION)).effect).toBe('allow');
      expect(evaluate(policy, request('lambda:DeleteFunction', FUNCTION)).effect).toBe('implicit-deny');
      expect(evaluate(policy, request('lambda:GetAlias', `${FUNCTION}:live`)).effect).toBe('implicit-deny');
    });
  });

  describe('explicit deny', () => {
    it('denies explicitly what a Deny statement matches, whatever allows it', () => {
      // Arrange
      const policy: Statement[] = [allow('lambda:*', '*'), { Sid: 'NoDeletes', Effect: 'Deny', Action: 'lambda:DeleteFunction', Resource: `${FUNCTION}:*` }];
      // Act
      const decision = evaluate(policy, request('lambda:DeleteFunction', `${FUNCTION}:3`));
      // Assert
      expect(decision).toEqual({ effect: 'explicit-deny', statement: 'NoDeletes' });
      expect(evaluate(policy, request('lambda:UpdateAlias', FUNCTION)).effect).toBe('allow');
    });
  });

  describe('conditions', () => {
    const viaDynamo = allow('kms:Decrypt', KEY, { StringEquals: { 'kms:ViaService': 'dynamodb.local.amazonaws.com' } });

    it('allows when every condition holds', () => {
      expect(evaluate([viaDynamo], request('kms:Decrypt', KEY, { 'kms:ViaService': 'dynamodb.local.amazonaws.com' })).effect).toBe('allow');
    });

    it('denies implicitly when a condition does not hold', () => {
      expect(evaluate([viaDynamo], request('kms:Decrypt', KEY, { 'kms:ViaService': 's3.local.amazonaws.com' })).effect).toBe('implicit-deny');
    });

    it('treats a key absent from the request as not matching, and IfExists as matching', () => {
      expect(evaluate([viaDynamo], request('kms:Decrypt', KEY)).effect).toBe('implicit-deny');
      const ifExists = allow('kms:Decrypt', KEY, { StringEqualsIfExists: { 'kms:ViaService': 'dynamodb.local.amazonaws.com' } });
      expect(evaluate([ifExists], request('kms:Decrypt', KEY)).effect).toBe('allow');
    });

    it('requires every key of an operator and every operator of a block (AND), any value of a key (OR)', () => {
      const policy = [
        allow('kms:Decrypt', KEY, {
          StringEquals: { 'kms:ViaService': ['s3.local.amazonaws.com', 'sns.local.amazonaws.com'], 'kms:CallerAccount': '000000000000' },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::cmv-artifacts/*' },
        }),
      ];
      const context = {
        'kms:ViaService': 'sns.local.amazonaws.com',
        'kms:CallerAccount': '000000000000',
        'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::cmv-artifacts/x',
      };
      expect(evaluate(policy, request('kms:Decrypt', KEY, context)).effect).toBe('allow');
      expect(evaluate(policy, request('kms:Decrypt', KEY, { ...context, 'kms:CallerAccount': '111111111111' })).effect).toBe('implicit-deny');
    });

    it('negates with StringNotEquals, Bool and Null as documented', () => {
      const policy = [
        allow('s3:PutObject', '*', { StringNotEquals: { 's3:x-amz-server-side-encryption': 'AES256' }, Bool: { 'aws:SecureTransport': 'true' } }),
      ];
      expect(
        evaluate(policy, request('s3:PutObject', 'arn:aws:s3:::b/k', { 's3:x-amz-server-side-encryption': 'aws:kms', 'aws:SecureTransport': 'true' })).effect,
      ).toBe('allow');
      expect(
        evaluate(policy, request('s3:PutObject', 'arn:aws:s3:::b/k', { 's3:x-amz-server-side-encryption': 'AES256', 'aws:SecureTransport': 'true' })).effect,
      ).toBe('implicit-deny');
      const nullCheck = [allow('s3:PutObject', '*', { Null: { 's3:x-amz-server-side-encryption': 'false' } })];
      expect(evaluate(nullCheck, request('s3:PutObject', 'arn:aws:s3:::b/k', { 's3:x-amz-server-side-encryption': 'aws:kms' })).effect).toBe('allow');
      expect(evaluate(nullCheck, request('s3:PutObject', 'arn:aws:s3:::b/k')).effect).toBe('implicit-deny');
    });

    it('compares ARNs with ArnLike and numbers with NumericLessThanEquals', () => {
      const policy = [
        allow('sns:Publish', '*', { ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:*:000000000000:alarm:cmv-*' }, NumericLessThanEquals: { 'x:n': '5' } }),
      ];
      expect(evaluate(policy, request('sns:Publish', 't', { 'aws:SourceArn': 'arn:aws:cloudwatch:local:000000000000:alarm:cmv-a', 'x:n': '5' })).effect).toBe(
        'allow',
      );
      expect(evaluate(policy, request('sns:Publish', 't', { 'aws:SourceArn': 'arn:aws:cloudwatch:local:000000000000:alarm:cmv-a', 'x:n': '6' })).effect).toBe(
        'implicit-deny',
      );
    });

    it('fails closed with an error naming an operator it does not support', () => {
      // Arrange
      const policy = [allow('kms:Decrypt', KEY, { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } })];
      // Act / Assert
      expect(() => evaluate(policy, request('kms:Decrypt', KEY))).toThrow(UnsupportedPolicyError);
      expect(() => evaluate(policy, request('kms:Decrypt', KEY))).toThrow(/DateLessThan/);
    });

    it('fails closed on a multi-valued set operator it does not support, and on a policy variable', () => {
      const forAll = [allow('kms:Decrypt', KEY, { 'ForAllValues:StringLike': { 'kms:EncryptionContextKeys': 'aws:*' } })];
      expect(() => evaluate(forAll, request('kms:Decrypt', KEY))).toThrow(/ForAllValues:StringLike/);
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template
      const variable = [allow('s3:GetObject', 'arn:aws:s3:::b/${aws:username}/*')];
      expect(() => evaluate(variable, request('s3:GetObject', 'arn:aws:s3:::b/alice/x'))).toThrow(/\$\{aws:username\}/);
    });

    it('does not evaluate the conditions of a statement whose action or resource does not match', () => {
      const policy = [allow('kms:Decrypt', KEY, { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } }), allow('dynamodb:GetItem', TABLE)];
      expect(evaluate(policy, request('dynamodb:GetItem', TABLE)).effect).toBe('allow');
    });
  });
});
