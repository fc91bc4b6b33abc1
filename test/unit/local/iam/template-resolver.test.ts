import { type Template, TemplateResolver } from '../../../../lib/local/iam/template-resolver';

const TEMPLATE: Template = {
  Resources: {
    ChangesTable: { Type: 'AWS::DynamoDB::Table', Properties: {} },
    TargetFunction: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'benefit-calculator' } },
    TargetAlias: { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: 'TargetFunction' }, Name: 'live' } },
    Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
    App: { Type: 'AWS::CodeDeploy::Application', Properties: {} },
    Group: { Type: 'AWS::CodeDeploy::DeploymentGroup', Properties: { DeploymentGroupName: 'benefit-calculator' } },
    HandlerRole: { Type: 'AWS::IAM::Role', Properties: {} },
    WakeGroup: { Type: 'AWS::Scheduler::ScheduleGroup', Properties: { Name: 'cmv-Wakes-Group-38886A6C' } },
  },
};
// biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not a template
const SUB = '${ChangesTable.Arn}/index/${Index}';
const resolver = () =>
  new TemplateResolver(TEMPLATE, {
    partition: 'aws',
    region: 'local',
    account: '000000000000',
    stackName: 'cmv',
    names: { ChangesTable: 'cmv-changes', Topic: 'cmv-approvals', App: 'cmv', WakeGroup: 'cmv-wakes' },
  });

describe('TemplateResolver', () => {
  describe('resolve()', () => {
    it('names a resource the local runtime creates itself by the runtime’s name, over the name the CDK generated for it', () => {
      // Act
      const resolved = resolver().resolve([{ Ref: 'WakeGroup' }, { 'Fn::GetAtt': ['WakeGroup', 'Arn'] }]);
      // Assert
      expect(resolved).toEqual(['cmv-wakes', 'arn:aws:scheduler:local:000000000000:schedule-group/cmv-wakes']);
    });

    it('resolves Ref and Fn::GetAtt to the deployment’s names, built as CloudFormation builds each type’s ARN', () => {
      // Act
      const resolved = resolver().resolve([
        { 'Fn::GetAtt': ['ChangesTable', 'Arn'] },
        { Ref: 'TargetAlias' },
        { 'Fn::GetAtt': ['TargetFunction', 'Arn'] },
        { Ref: 'Topic' },
        { 'Fn::GetAtt': ['HandlerRole', 'Arn'] },
      ]);
      // Assert
      expect(resolved).toEqual([
        'arn:aws:dynamodb:local:000000000000:table/cmv-changes',
        'arn:aws:lambda:local:000000000000:function:benefit-calculator:live',
        'arn:aws:lambda:local:000000000000:function:benefit-calculator',
        'arn:aws:sns:local:000000000000:cmv-approvals',
        'arn:aws:iam::000000000000:role/cmv-HandlerRole',
      ]);
    });

    it('resolves Fn::Join with pseudo parameters and Fn::Sub with resource references', () => {
      const join = {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':codedeploy:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':deploymentgroup:',
            { Ref: 'App' },
            '/',
            { Ref: 'Group' },
          ],
        ],
      };
      expect(resolver().resolve(join)).toBe('arn:aws:codedeploy:local:000000000000:deploymentgroup:cmv/benefit-calculator');
      expect(resolver().resolve({ 'Fn::Sub': [SUB, { Index: 'byTarget' }] })).toBe('arn:aws:dynamodb:local:000000000000:table/cmv-changes/index/byTarget');
    });

    it('drops AWS::NoValue and keeps plain values', () => {
      expect(resolver().resolve({ Effect: 'Allow', Resource: ['*', { Ref: 'AWS::NoValue' }] })).toEqual({ Effect: 'Allow', Resource: ['*'] });
    });

    it('rejects an intrinsic it cannot resolve and a resource the template lacks', () => {
      expect(() => resolver().resolve({ 'Fn::If': ['C', 'a', 'b'] })).toThrow(/cannot resolve Fn::If/);
      expect(() => resolver().resolve({ Ref: 'Missing' })).toThrow(/no resource Missing/);
    });
  });
});
