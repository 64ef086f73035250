import * as z from 'zod';
import { patchMeSchema } from '#shared/schemas/me';
import { myTasksQuerySchema } from '#shared/schemas/tasks';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import {
  bodyOf,
  caller,
  httpFunction,
  ok,
  queryOf,
  requireCaller,
  type ApiRequest,
} from '#functions/lib/http';
import { pageQuerySchema } from '#functions/lib/pagination';
import { TaskService } from '#functions/domain/tasks';
import { UserService } from '#functions/domain/users';
import { DynamoTaskRepository } from '#functions/store/task-repository';
import { DynamoUserRepository } from '#functions/store/user-repository';

const users = new UserService(new DynamoUserRepository(ddb, config.tableName));
const tasks = new TaskService(new DynamoTaskRepository(ddb, config.tableName));
const myTasksQuery = z.strictObject({ ...pageQuerySchema.shape, ...myTasksQuerySchema.shape });

const identity = (request: ApiRequest) => {
  const { userId, email, name } = requireCaller(request);
  return { id: userId, email, name };
};

export const handler = httpFunction({
  'GET /api/me': async (request) => ok(await users.me(identity(request))),
  'PATCH /api/me': async (request) =>
    ok(await users.updateMe(identity(request), bodyOf(patchMeSchema, request))),
  'GET /api/me/tasks': async (request) => {
    const { limit, cursor, ...filters } = queryOf(myTasksQuery, request);
    // "Today" is the caller's: their profile's time zone.
    const { timezone } = await users.me(identity(request));
    return ok(await tasks.myTasks(caller(request), timezone, filters, limit, cursor));
  },
});
