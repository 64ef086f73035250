import * as z from 'zod';
import { createAttachmentSchema } from '#shared/schemas/attachments';
import { s3FileStore } from '#functions/lib/attachment-storage';
import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { bodyOf, caller, created, httpFunction, noContent, ok, pathOf } from '#functions/lib/http';
import { grandchildIdSchema } from '#functions/lib/ids';
import { taskPath } from '#functions/lib/params';
import { AttachmentService } from '#functions/domain/attachments';
import { DynamoAttachmentRepository } from '#functions/store/attachment-repository';

const attachments = new AttachmentService(
  new DynamoAttachmentRepository(ddb, config.tableName),
  s3FileStore(config.attachmentsBucket),
);

const attachmentPath = z.object({ attachmentId: grandchildIdSchema });

export const handler = httpFunction({
  'POST /api/tasks/{taskId}/attachments': async (request) => {
    const { taskId } = pathOf(taskPath, request);
    return created(
      await attachments.create(caller(request), taskId, bodyOf(createAttachmentSchema, request)),
    );
  },
  'POST /api/attachments/{attachmentId}/confirm': async (request) => {
    const { attachmentId } = pathOf(attachmentPath, request);
    return ok(await attachments.confirm(caller(request), attachmentId));
  },
  /** Ready attachments, oldest first, with download URLs. */
  'GET /api/tasks/{taskId}/attachments': async (request) => {
    const { taskId } = pathOf(taskPath, request);
    return ok({ items: await attachments.list(caller(request), taskId) });
  },
  'DELETE /api/attachments/{attachmentId}': async (request) => {
    const { attachmentId } = pathOf(attachmentPath, request);
    await attachments.delete(caller(request), attachmentId);
    return noContent();
  },
});
