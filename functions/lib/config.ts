/** Environment the stack gives every function; read when needed so a missing value fails loudly, by name. */
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}

export const config = {
  get tableName() {
    return required('TABLE_NAME');
  },
  get emailQueueUrl() {
    return required('EMAIL_QUEUE_URL');
  },
  /** The attachments bucket (presigned uploads and downloads; the clean-up deletes its objects). */
  get attachmentsBucket() {
    return required('ATTACHMENTS_BUCKET');
  },
  get mailFrom() {
    return required('MAIL_FROM');
  },
  get webUrl() {
    return required('WEB_URL');
  },
  /** The WebSocket API's @connections endpoint, e.g. https://abc.execute-api.eu-west-1.amazonaws.com/prod */
  get websocketManagementEndpoint() {
    return required('WS_MANAGEMENT_ENDPOINT');
  },
  /** The Cognito user pool's issuer URL and the web app client's id (the ID token's audience). */
  get jwtIssuer() {
    return required('JWT_ISSUER');
  },
  get jwtAudience() {
    return required('JWT_AUDIENCE');
  },
  /** Requests a minute per signed-in user (../shared/API.md: 100); 0 switches the limit off. */
  get userRequestsPerMinute() {
    return Number(process.env.RATE_LIMIT_USER_PER_MINUTE ?? 100);
  },
  /** Invitation accepts a minute per client IP (10). */
  get acceptsPerIpPerMinute() {
    return Number(process.env.RATE_LIMIT_ACCEPTS_PER_IP_PER_MINUTE ?? 10);
  },
  /** Signs one-click unsubscribe links (HMAC-SHA256). */
  get unsubscribeSecret() {
    return required('UNSUBSCRIBE_SECRET');
  },
  /** How long notification emails of one person are gathered before one email goes out (SQS delay, ≤ 900). */
  get notificationEmailWindowSeconds() {
    return Math.min(900, Number(process.env.NOTIFICATION_EMAIL_WINDOW_SECONDS ?? 180));
  },
  /** The SES configuration set sends go through (bounce and complaint events); none locally. */
  get sesConfigurationSet() {
    return process.env.SES_CONFIGURATION_SET;
  },
  get appVersion() {
    return process.env.APP_VERSION ?? 'dev';
  },
};
