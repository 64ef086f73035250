/**
 * The deployment stage's settings, read from the CDK context: `cdk.json` holds one entry per stage under
 * `stages`, and `-c stage=<name>` picks one (dev when absent). Pure: no CDK imports, so it is unit-testable and
 * every mistake in cdk.json fails the synth with a message naming the key, before any construct is made.
 */
import * as z from 'zod';

export const DEFAULT_STAGE = 'dev';

/** The retention periods CloudWatch Logs accepts; any other number is rejected by the service at deploy time. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

// Stage names end up in resource names (table, queues, bucket, stacks), so they must be valid in all of them:
// S3 wants lowercase, CloudFormation stack names letters, digits and hyphens.
const STAGE_NAME = /^[a-z][a-z0-9-]{0,15}$/;

/** A Bedrock model id (`amazon.nova-micro-v1:0`, `anthropic.claude-3-haiku-20240307-v1:0`). */
const BEDROCK_MODEL_ID = /^[a-z0-9-]+\.[a-z0-9.:-]+$/;

/**
 * The AI breakdown: which model answers (Bedrock, named here, and the only one the worker may invoke; or the
 * built-in planner, no model), and the quota of a workspace.
 */
const aiSettingsSchema = z
  .strictObject({
    provider: z.enum(['bedrock', 'built-in']).default('built-in'),
    model: z
      .string()
      .regex(BEDROCK_MODEL_ID, 'must be a Bedrock model id such as amazon.nova-micro-v1:0')
      .optional(),
    requestsPerHour: z.int().min(0).default(20),
    monthlyTokens: z.int().min(0).default(200_000),
  })
  .refine((ai) => ai.provider !== 'bedrock' || ai.model !== undefined, {
    message: 'provider "bedrock" needs the model id',
    path: ['model'],
  });

const stageEntrySchema = z
  .strictObject({
    /** Omitted: the stacks are account-agnostic and deploy to whatever account the credentials belong to. */
    account: z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
      .optional(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1'),
    /** Keep stateful resources (table, user pool, bucket) when the stack is deleted, and protect the table. */
    retainData: z.boolean(),
    logRetentionDays: z.literal(LOG_RETENTION_DAYS),
    /** Memory of a function whose definition (infra/functions.ts) does not set its own. */
    lambdaMemoryMb: z.int().min(128).max(10_240),
    logLevel: z.enum(LOG_LEVELS).default('INFO'),
    /** The product's domain: the sender of emails (`no-reply@<domain>`) and, by default, the web origin. */
    domain: z.hostname().optional(),
    /**
     * Where people open the web app (links in emails, the bucket's CORS origin); defaults to https://<first of
     * webDomainNames>, else https://<domain>. Not the CloudFront name by default: see README, "Deploying a stage".
     */
    webUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    /**
     * Where the stage's alarms are emailed (an SNS email subscription, confirmed once from the mail it sends).
     * Omitted: the alarms still go to the stage's topic, which nobody is subscribed to yet.
     */
    alarmEmail: z.email().optional(),
    /** The HTTP API's stage-wide throttle (steady requests per second, burst); the WebSocket stage gets the same. */
    apiThrottle: z
      .strictObject({ rateLimit: z.number().positive(), burstLimit: z.int().positive() })
      .default({ rateLimit: 100, burstLimit: 200 }),
    /**
     * The web app's own host names on CloudFront (e.g. `app.example.org`), with an ACM certificate for them that
     * lives in us-east-1 (CloudFront's rule). Omitted: the distribution's `*.cloudfront.net` name only.
     */
    ai: aiSettingsSchema.optional(),
    webDomainNames: z.array(z.hostname()).min(1).optional(),
    webCertificateArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/,
        'must be an ACM certificate ARN in us-east-1',
      )
      .optional(),
  })
  .refine((entry) => (entry.webDomainNames === undefined) === (entry.webCertificateArn === undefined), {
    message: 'webDomainNames and webCertificateArn go together: set both or neither',
    path: ['webCertificateArn'],
  });

export type StageEntry = z.input<typeof stageEntrySchema>;

export interface StageConfig {
  stage: string;
  account?: string;
  region: string;
  retainData: boolean;
  logRetentionDays: (typeof LOG_RETENTION_DAYS)[number];
  lambdaMemoryMb: number;
  logLevel: (typeof LOG_LEVELS)[number];
  domain?: string;
  /** Origin of the web app, without a trailing slash. */
  webUrl: string;
  mailFrom: string;
  alarmEmail?: string;
  apiThrottle: { rateLimit: number; burstLimit: number };
  /** CloudFront aliases and their us-east-1 certificate; both or neither. */
  web?: { domainNames: string[]; certificateArn: string };
  /** Omitted in cdk.json: DEFAULT_AI_SETTINGS (the built-in planner, the contract's quota). */
  ai?: AiStageSettings;
}

export type AiStageSettings = { requestsPerHour: number; monthlyTokens: number } & (
  { provider: 'bedrock'; model: string } | { provider: 'built-in' }
);

/** Thrown for any invalid stage setting; the message lists every problem, each with its key. */
export class StageConfigError extends Error {
  override name = 'StageConfigError';
}

/** The two context keys this reads; pass `app.node.getAllContext()` or a literal object in tests. */
export interface StageContext {
  stage?: unknown;
  stages?: unknown;
}

export const DEFAULT_AI_SETTINGS: AiStageSettings = {
  provider: 'built-in',
  requestsPerHour: 20,
  monthlyTokens: 200_000,
};

function aiSettingsOf(ai: z.output<typeof aiSettingsSchema>): AiStageSettings {
  const limits = { requestsPerHour: ai.requestsPerHour, monthlyTokens: ai.monthlyTokens };
  return ai.provider === 'bedrock' && ai.model
    ? { ...limits, provider: 'bedrock', model: ai.model }
    : { ...limits, provider: 'built-in' };
}

export function readStageConfig(context: StageContext): StageConfig {
  const stage = context.stage ?? DEFAULT_STAGE;
  if (typeof stage !== 'string' || !STAGE_NAME.test(stage)) {
    throw new StageConfigError(
      `Context "stage" must match ${STAGE_NAME} (lowercase, it is part of resource names), got ${JSON.stringify(stage)}`,
    );
  }
  const stages = context.stages;
  if (typeof stages !== 'object' || stages === null || Array.isArray(stages)) {
    throw new StageConfigError('Context "stages" is missing: cdk.json must define one entry per stage');
  }
  const known = Object.keys(stages);
  if (!Object.hasOwn(stages, stage)) {
    throw new StageConfigError(`Unknown stage "${stage}": cdk.json defines ${known.join(', ') || 'none'}`);
  }
  const parsed = stageEntrySchema.safeParse((stages as Record<string, unknown>)[stage]);
  if (!parsed.success) {
    throw new StageConfigError(
      `Invalid settings for stage "${stage}" in cdk.json:\n${z.prettifyError(parsed.error)}`,
    );
  }
  const entry = parsed.data;
  const domain = entry.domain ?? 'example.com';
  const webHost = entry.webDomainNames?.[0] ?? domain;
  const webUrl = new URL(entry.webUrl ?? `https://${webHost}`).origin;
  return {
    stage,
    ...(entry.account ? { account: entry.account } : {}),
    region: entry.region,
    retainData: entry.retainData,
    logRetentionDays: entry.logRetentionDays,
    lambdaMemoryMb: entry.lambdaMemoryMb,
    logLevel: entry.logLevel,
    ...(entry.domain ? { domain: entry.domain } : {}),
    webUrl,
    mailFrom: `no-reply@${domain}`,
    ...(entry.alarmEmail ? { alarmEmail: entry.alarmEmail } : {}),
    apiThrottle: entry.apiThrottle,
    ...(entry.ai ? { ai: aiSettingsOf(entry.ai) } : {}),
    ...(entry.webDomainNames && entry.webCertificateArn
      ? { web: { domainNames: entry.webDomainNames, certificateArn: entry.webCertificateArn } }
      : {}),
  };
}
