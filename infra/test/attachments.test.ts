/** The attachments bucket and who may touch its files (issue 14). */
import fs from 'node:fs';
import path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { lambdaEsbuildOptions, lambdaNpmPlatform } from '../bundling.ts';
import { functions } from '../functions.ts';
import { bucketName, PENDING_UPLOAD_TAG, UNCONFIRMED_UPLOAD_DAYS } from '../definitions.ts';
import { physicalFunctionName } from '../definitions.ts';
import { only, projectRoot, resources, synthStage, type Synthesized } from './synth.ts';

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
  const objects = (prefix: 'tasks' | 'thumbs') => ({
    'Fn::Join': [
      '',
      [`arn:aws:s3:::${bucketName('dev', 'attachments', '')}`, { Ref: 'AWS::AccountId' }, `/${prefix}/*`],
    ],
  });
  const allow = (action: string | string[], ...prefixes: Array<'tasks' | 'thumbs'>) =>
    expect.objectContaining({
      Effect: 'Allow',
      Action: action,
      Resource: prefixes.length === 1 ? objects(prefixes[0]!) : prefixes.map(objects),
    });

  test('per prefix: originals (tasks/) and thumbnails (thumbs/), each function only what its code does', () => {
    const statements = s3Statements();
    expect([...statements.keys()].sort()).toEqual(
      ['attachments', 'cleanup', 'tasks', 'thumbnails']
        .map((name) => physicalFunctionName('dev', name))
        .sort(),
    );
    const of = (name: string) => statements.get(physicalFunctionName('dev', name))!;
    // Signs uploads and downloads, untags confirmed uploads; signs thumbnail URLs.
    expect(of('attachments')).toEqual([
      allow(['s3:GetObject', 's3:PutObject', 's3:PutObjectTagging'], 'tasks'),
      allow('s3:GetObject', 'thumbs'),
    ]);
    // Signs the board's cover thumbnails, nothing else.
    expect(of('tasks')).toEqual([allow('s3:GetObject', 'thumbs')]);
    // Reads originals; writes thumbnails and takes back one whose attachment went meanwhile.
    expect(of('thumbnails')).toEqual([
      allow('s3:GetObject', 'tasks'),
      allow(['s3:DeleteObject', 's3:PutObject'], 'thumbs'),
    ]);
    // The only one that may delete an original.
    expect(of('cleanup')).toEqual([allow('s3:DeleteObject', 'tasks', 'thumbs')]);
  });

  test('the functions find the bucket by name', () => {
    const [, fn] = only(dev.api, 'AWS::Lambda::Function', {
      FunctionName: physicalFunctionName('dev', 'attachments'),
    });
    const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(JSON.stringify(variables.ATTACHMENTS_BUCKET)).toContain('teamflow-dev-attachments-');
  });
});

describe('the thumbnail worker', () => {
  const thumbnails = () =>
    only(dev.api, 'AWS::Lambda::Function', { FunctionName: physicalFunctionName('dev', 'thumbnails') });

  test('Node.js 22 on arm64, 1 GB for sharp, a timeout, and its own entry', () => {
    const [, fn] = thumbnails();
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: functions.thumbnails.timeoutSeconds,
    });
    expect(functions.thumbnails.timeoutSeconds).toBeGreaterThanOrEqual(30);
  });

  test('is invoked by the table stream only for an image attachment going pending → ready', () => {
    const [logicalId] = thumbnails();
    const [, mapping] = only(dev.api, 'AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId },
    });
    expect(mapping.Properties).toMatchObject({
      StartingPosition: 'LATEST',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      DestinationConfig: { OnFailure: { Destination: expect.anything() } },
    });
    const patterns = (
      mapping.Properties.FilterCriteria as { Filters: Array<{ Pattern: string }> }
    ).Filters.map((f) => JSON.parse(f.Pattern) as unknown);
    expect(patterns).toEqual([
      {
        eventName: ['MODIFY'],
        dynamodb: {
          OldImage: { status: { S: ['pending'] } },
          NewImage: {
            type: { S: ['ATTACHMENT'] },
            status: { S: ['ready'] },
            contentType: { S: ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] },
          },
        },
      },
    ]);
  });

  test('may write its outcome to the table but not read it', () => {
    const [, fn] = thumbnails();
    const role = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const actions = resources(dev.api, 'AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === role))
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .flatMap((st) => [st.Action].flat())
      .filter((action) => action.startsWith('dynamodb:') && !action.startsWith('dynamodb:GetRecords'));
    expect(actions).toContain('dynamodb:UpdateItem');
    expect(actions).not.toContain('dynamodb:Query');
    expect(actions).not.toContain('dynamodb:GetItem');
  });

  test("sharp is not bundled: it ships beside the bundle, installed from the lockfile for Lambda's platform", () => {
    expect(functions.thumbnails.nodeModules).toEqual(['sharp']);
    expect(lambdaNpmPlatform).toEqual({
      npm_config_os: 'linux',
      npm_config_cpu: 'arm64',
      npm_config_libc: 'glibc',
    });
    expect(
      lambdaEsbuildOptions({
        projectRoot,
        entry: functions.thumbnails.entry,
        outdir: 'out',
        tsconfig: 't',
      }).external,
    ).toContain('sharp');
    // `npm ci` on any machine (and the arm64 asset) finds the binaries in the lockfile, at sharp's own pins.
    const lock = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package-lock.json'), 'utf8')) as {
      packages: Record<
        string,
        { version: string; integrity?: string; optionalDependencies?: Record<string, string> }
      >;
    };
    const sharpPins = lock.packages['node_modules/sharp']!.optionalDependencies!;
    for (const name of ['@img/sharp-linux-arm64', '@img/sharp-linux-x64']) {
      const entry = lock.packages[`node_modules/${name}`];
      expect(entry).toMatchObject({ version: sharpPins[name], integrity: expect.stringMatching(/^sha512-/) });
      const libvips = Object.entries(entry!.optionalDependencies!)[0]!;
      expect(libvips[0]).toMatch(/^@img\/sharp-libvips-linux-(arm64|x64)$/);
      expect(lock.packages[`node_modules/${libvips[0]}`]).toMatchObject({ version: libvips[1] });
    }
  });
});
