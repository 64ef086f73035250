/** The attachments bucket and who may touch its files (issue 14). */
import { Match } from 'aws-cdk-lib/assertions';
import { bucketName, PENDING_UPLOAD_TAG, UNCONFIRMED_UPLOAD_DAYS } from '../definitions.ts';
import { physicalFunctionName } from '../definitions.ts';
import { only, resources, synthStage, type Synthesized } from './synth.ts';

let dev: Synthesized;

beforeAll(() => {
  dev = synthStage('dev');
});

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
}

/** The S3 statements of each function's role in the Api stack, by function name. */
function s3Statements(): Map<string, Statement[]> {
  const byRole = new Map<string, Statement[]>();
  for (const [, policy] of resources(dev.api, 'AWS::IAM::Policy')) {
    const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.filter(
      (s) => [s.Action].flat().some((action) => action.startsWith('s3:')),
    );
    if (statements.length === 0) continue;
    const roles = policy.Properties.Roles as Array<{ Ref: string }>;
    for (const { Ref } of roles) byRole.set(Ref, [...(byRole.get(Ref) ?? []), ...statements]);
  }
  const byFunction = new Map<string, Statement[]>();
  for (const [, fn] of resources(dev.api, 'AWS::Lambda::Function')) {
    const role = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = byRole.get(role);
    if (statements) byFunction.set(fn.Properties.FunctionName as string, statements);
  }
  return byFunction;
}

describe('the attachments bucket', () => {
  test('is private, encrypted, TLS-only, and takes browser uploads from the web origin only', () => {
    const [id, bucket] = only(dev.data, 'AWS::S3::Bucket');
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      CorsConfiguration: {
        CorsRules: [
          expect.objectContaining({
            AllowedOrigins: [dev.config.webUrl],
            AllowedMethods: ['GET', 'PUT', 'HEAD'],
          }),
        ],
      },
    });
    dev.data.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  test('expires uploads still tagged pending, and aborts multipart uploads left open', () => {
    const [, bucket] = only(dev.data, 'AWS::S3::Bucket');
    const rules = (bucket.Properties.LifecycleConfiguration as { Rules: unknown[] }).Rules;
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Status: 'Enabled',
          ExpirationInDays: UNCONFIRMED_UPLOAD_DAYS,
          TagFilters: [{ Key: PENDING_UPLOAD_TAG.key, Value: PENDING_UPLOAD_TAG.value }],
        }),
        expect.objectContaining({
          Status: 'Enabled',
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        }),
      ]),
    );
    // A rule without a tag filter would expire confirmed files too.
    expect(rules.filter((rule) => 'ExpirationInDays' in (rule as object))).toHaveLength(1);
  });
});

describe('who may touch attachment files', () => {
  test('only the attachments function (sign uploads and downloads, untag) and the clean-up (delete), on tasks/ only', () => {
    const statements = s3Statements();
    expect([...statements.keys()].sort()).toEqual(
      [physicalFunctionName('dev', 'attachments'), physicalFunctionName('dev', 'cleanup')].sort(),
    );
    const of = (name: string) => statements.get(physicalFunctionName('dev', name))!;
    expect(of('attachments')).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:PutObjectTagging'],
      }),
    ]);
    expect(of('cleanup')).toEqual([expect.objectContaining({ Effect: 'Allow', Action: 's3:DeleteObject' })]);
    for (const statement of [...of('attachments'), ...of('cleanup')]) {
      expect(statement.Resource).toEqual({
        'Fn::Join': [
          '',
          [`arn:aws:s3:::${bucketName('dev', 'attachments', '')}`, { Ref: 'AWS::AccountId' }, '/tasks/*'],
        ],
      });
    }
  });

  test('the functions find the bucket by name', () => {
    const [, fn] = only(dev.api, 'AWS::Lambda::Function', {
      FunctionName: physicalFunctionName('dev', 'attachments'),
    });
    const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(JSON.stringify(variables.ATTACHMENTS_BUCKET)).toContain('teamflow-dev-attachments-');
  });
});
