import path from 'node:path';

/** Where the local stack listens and keeps its data. Every port can be moved with an environment variable. */
export interface LocalSettings {
  root: string;
  dataDir: string;
  host: string;
  region: string;
  stage: string;
  /** Fixed confirmation / reset code the Cognito emulator "sends" (it prints codes instead of emailing). */
  confirmationCode: string;
  /** Start the Vite dev server for the web app (tests that only need the API may skip it). */
  web: boolean;
  /**
   * The AI breakdown's model: an OpenAI-compatible endpoint (a local Ollama or llama.cpp server) when
   * TEAMFLOW_AI_BASE_URL and TEAMFLOW_AI_MODEL are set, else the built-in planner (no model).
   */
  ai: { baseUrl: string; model: string; apiKey?: string } | null;
  ports: {
    web: number;
    api: number;
    websocket: number;
    lambda: number;
    dynamodb: number;
    cognito: number;
    sqs: number;
    s3: number;
    ses: number;
  };
}

export const PORT_VARIABLES = {
  web: 'TEAMFLOW_WEB_PORT',
  api: 'TEAMFLOW_API_PORT',
  websocket: 'TEAMFLOW_WS_PORT',
  lambda: 'TEAMFLOW_LAMBDA_PORT',
  dynamodb: 'TEAMFLOW_DYNAMODB_PORT',
  cognito: 'TEAMFLOW_COGNITO_PORT',
  sqs: 'TEAMFLOW_SQS_PORT',
  s3: 'TEAMFLOW_S3_PORT',
  ses: 'TEAMFLOW_SES_PORT',
} as const satisfies Record<keyof LocalSettings['ports'], string>;

const DEFAULT_PORTS: LocalSettings['ports'] = {
  web: 3000,
  api: 4000,
  websocket: 4001,
  lambda: 4002,
  dynamodb: 8000,
  cognito: 9229,
  sqs: 9324,
  s3: 4569,
  ses: 8005,
};

/** What each port is, for messages people read. */
export const PORT_LABELS: Record<keyof LocalSettings['ports'], string> = {
  web: 'web app (Vite)',
  api: 'HTTP API gateway',
  websocket: 'WebSocket API gateway',
  lambda: 'Lambda invoke endpoint (Cognito triggers)',
  dynamodb: 'DynamoDB Local',
  cognito: 'Cognito emulator',
  sqs: 'SQS emulator',
  s3: 'S3 emulator',
  ses: 'SES emulator',
};

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name} must be a port number (1-65535), got "${raw}"`);
  }
  return value;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env, root = process.cwd()): LocalSettings {
  const ports = Object.fromEntries(
    Object.entries(PORT_VARIABLES).map(([key, variable]) => [
      key,
      port(env, variable, DEFAULT_PORTS[key as keyof LocalSettings['ports']]),
    ]),
  ) as LocalSettings['ports'];
  return {
    root,
    dataDir: path.resolve(root, env.TEAMFLOW_DATA_DIR ?? '.teamflow'),
    host: '127.0.0.1',
    region: 'us-east-1',
    stage: 'local',
    confirmationCode: env.TEAMFLOW_CONFIRMATION_CODE ?? '123456',
    web: env.TEAMFLOW_WEB !== '0',
    ai:
      env.TEAMFLOW_AI_BASE_URL && env.TEAMFLOW_AI_MODEL
        ? {
            baseUrl: env.TEAMFLOW_AI_BASE_URL,
            model: env.TEAMFLOW_AI_MODEL,
            ...(env.TEAMFLOW_AI_API_KEY ? { apiKey: env.TEAMFLOW_AI_API_KEY } : {}),
          }
        : null,
    ports,
  };
}

/**
 * The emulators' credentials: DynamoDB Local accepts only letters and digits, s3rver only its own S3RVER pair;
 * the other emulators accept anything. One pair for all keeps every SDK client on the default chain.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export function url(
  settings: LocalSettings,
  service: keyof LocalSettings['ports'],
  protocol = 'http',
): string {
  return `${protocol}://${settings.host}:${settings.ports[service]}`;
}

/** SQS endpoint in the style of the emulator's queue URLs (`sqs.<region>.localhost`), so the SDK sees one host. */
export function sqsEndpoint(settings: LocalSettings): string {
  return `http://sqs.${settings.region}.localhost:${settings.ports.sqs}`;
}
