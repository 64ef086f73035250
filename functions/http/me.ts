import { patchMeSchema } from '#shared/schemas/me';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { httpFunction, ok, requireCaller, type ApiRequest } from '#functions/lib/http';
import { parseInput } from '#functions/lib/validation';
import { UserService } from '#functions/domain/users';
import { DynamoUserRepository } from '#functions/store/user-repository';

const users = new UserService(new DynamoUserRepository(ddb, config.tableName));

const identity = (request: ApiRequest) => {
  const caller = requireCaller(request);
  return { id: caller.userId, email: caller.email, name: caller.name };
};

export const handler = httpFunction({
  'GET /api/me': async (request) => ok(await users.me(identity(request))),
  'PATCH /api/me': async (request) =>
    ok(await users.updateMe(identity(request), parseInput(patchMeSchema, request.body(), 'body'))),
});
