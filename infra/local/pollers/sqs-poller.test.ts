import {
  interpretSqsResponse,
  messageIdsToDelete,
  toLambdaMessageAttributes,
  toSqsRecord,
} from './sqs-poller.ts';

const ids = ['m-1', 'm-2', 'm-3'];

describe('interpretSqsResponse (ReportBatchItemFailures success and failure conditions)', () => {
  it.each([
    ['no response', undefined],
    ['a null response', null],
    ['an empty response', {}],
    ['a null batchItemFailures list', { batchItemFailures: null }],
    ['an empty batchItemFailures list', { batchItemFailures: [] }],
  ])('%s is a complete success: every message is deleted', (_label, response) => {
    const result = interpretSqsResponse(ids, response);
    expect(result).toEqual({ kind: 'success' });
    expect(messageIdsToDelete(ids, result)).toEqual(ids);
  });

  it('reported messages stay on the queue, the others are deleted', () => {
    const result = interpretSqsResponse(ids, { batchItemFailures: [{ itemIdentifier: 'm-2' }] });
    expect(result).toEqual({ kind: 'partial', failedMessageIds: ['m-2'] });
    expect(messageIdsToDelete(ids, result)).toEqual(['m-1', 'm-3']);
  });

  it.each([
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['a bad key name', { batchItemFailures: [{ messageId: 'm-2' }] }],
    ['a message id that is not in the batch', { batchItemFailures: [{ itemIdentifier: 'm-9' }] }],
    ['batchItemFailures that is not a list', { batchItemFailures: 'm-2' }],
  ])('%s is a complete failure: nothing is deleted', (_label, response) => {
    const result = interpretSqsResponse(ids, response);
    expect(result).toMatchObject({ kind: 'failure' });
    expect(messageIdsToDelete(ids, result)).toEqual([]);
  });
});

describe('toSqsRecord', () => {
  it('builds the record Lambda delivers from a ReceiveMessage message', () => {
    const record = toSqsRecord(
      {
        MessageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
        ReceiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a',
        Body: 'Test message.',
        MD5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
        MD5OfMessageAttributes: '00484c68...59e48fb7',
        Attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '1545082649183',
          SenderId: 'AIDAIENQZJOLO23YVJ4VO',
          ApproximateFirstReceiveTimestamp: '1545082649185',
        },
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'welcome' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
        },
      },
      'arn:aws:sqs:us-east-2:123456789012:my-queue',
      'us-east-2',
    );
    expect(record).toEqual({
      messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
      receiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a',
      body: 'Test message.',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1545082649183',
        SenderId: 'AIDAIENQZJOLO23YVJ4VO',
        ApproximateFirstReceiveTimestamp: '1545082649185',
      },
      messageAttributes: {
        kind: { stringValue: 'welcome', stringListValues: [], binaryListValues: [], dataType: 'String' },
        blob: { binaryValue: 'AQID', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
      },
      md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
      md5OfMessageAttributes: '00484c68...59e48fb7',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-2:123456789012:my-queue',
      awsRegion: 'us-east-2',
    });
  });

  it('keeps FIFO system attributes and has no messageAttributes when there are none', () => {
    const record = toSqsRecord(
      {
        MessageId: 'a',
        ReceiptHandle: 'r',
        Body: '{}',
        MD5OfBody: 'x',
        Attributes: {
          ApproximateReceiveCount: '2',
          SentTimestamp: '1',
          SenderId: 's',
          ApproximateFirstReceiveTimestamp: '2',
          MessageGroupId: 'g',
          MessageDeduplicationId: 'd',
          SequenceNumber: '18849496460467696128',
        },
      },
      'arn:aws:sqs:us-east-1:000000000000:q.fifo',
      'us-east-1',
    );
    expect(record.attributes).toMatchObject({ MessageGroupId: 'g', MessageDeduplicationId: 'd' });
    expect(record.messageAttributes).toEqual({});
    expect(record).not.toHaveProperty('md5OfMessageAttributes');
  });

  it('converts list attributes', () => {
    expect(
      toLambdaMessageAttributes({
        l: { DataType: 'String', StringListValues: ['a'], BinaryListValues: [new Uint8Array([255])] },
      }),
    ).toEqual({ l: { stringListValues: ['a'], binaryListValues: ['/w=='], dataType: 'String' } });
  });
});
