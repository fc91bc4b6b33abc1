import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { emailSubject, SnsNotifier } from '../../../lambdas/adapters/sns-notifier';

const snsMock = mockClient(SNSClient);
const client = new SNSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:cmv-approvals';

describe('sns-notifier', () => {
  beforeEach(() => {
    snsMock.reset();
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  describe('SnsNotifier.send()', () => {
    it('publishes once per recipient with the address as the approver attribute', async () => {
      // Arrange
      const notifier = new SnsNotifier(client, TOPIC);

      // Act
      await notifier.send({
        subject: 'Approve benefit-calculator 1.1.0',
        text: 'Please review',
        to: ['bob@example.org', 'erin@example.org'],
        changeId: 'chg-1',
      });

      // Assert
      expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 2);
      for (const address of ['bob@example.org', 'erin@example.org']) {
        expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
          TopicArn: TOPIC,
          Subject: 'Approve benefit-calculator 1.1.0',
          Message: 'Please review',
          MessageAttributes: {
            approver: { DataType: 'String', StringValue: address },
            changeId: { DataType: 'String', StringValue: 'chg-1' },
          },
        });
      }
    });

    it('truncates the subject below the 100 characters SNS allows when it is longer', async () => {
      const notifier = new SnsNotifier(client, TOPIC);

      await notifier.send({ subject: 's'.repeat(150), text: 'x', to: ['bob@example.org'], changeId: 'chg-1' });

      const subject = snsMock.commandCalls(PublishCommand)[0].args[0].input.Subject;
      expect(subject).toBe(`${'s'.repeat(98)}…`);
    });

    it('publishes nothing when there are no recipients', async () => {
      await new SnsNotifier(client, TOPIC).send({ subject: 'x', text: 'x', to: [], changeId: 'chg-1' });

      expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 0);
    });
  });

  describe('emailSubject()', () => {
    it('replaces line breaks and control characters, which SNS refuses, with spaces', () => {
      expect(emailSubject('Fix\r\nthe\tbug\u0007now')).toBe('Fix the bug now');
    });

    it('cuts on a character boundary, never inside an emoji', () => {
      const subject = emailSubject(`${'a'.repeat(97)}😀😀😀`);
      expect([...subject]).toHaveLength(99);
      expect(subject).toBe(`${'a'.repeat(97)}😀…`);
    });
  });
});
