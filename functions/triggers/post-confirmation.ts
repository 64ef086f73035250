import type { PostConfirmationTriggerEvent } from 'aws-lambda';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { logger } from '#functions/lib/observability';
import { UserService } from '#functions/domain/users';
import { DynamoUserRepository } from '#functions/store/user-repository';

const users = new UserService(new DynamoUserRepository(ddb, config.tableName));

/**
 * Cognito calls this after a person confirms sign-up: it creates their profile item. It must return the event;
 * a throw would fail the confirmation, so only a real storage failure is allowed to.
 */
export const handler = middy<PostConfirmationTriggerEvent, PostConfirmationTriggerEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    if (event.triggerSource !== 'PostConfirmation_ConfirmSignUp') return event;
    const attributes = event.request.userAttributes;
    const sub = attributes.sub;
    const email = attributes.email;
    if (!sub || !email) {
      logger.warn('Confirmation without sub or email; profile will be created on first sign-in');
      return event;
    }
    await users.register({ id: sub, email, name: attributes.name });
    logger.info('Profile created', { userId: sub });
    return event;
  });
