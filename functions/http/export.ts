import { config } from '#functions/lib/config';
import { ddb } from '#functions/lib/dynamodb';
import { caller, httpFunction, ok, pathOf } from '#functions/lib/http';
import { workspacePath } from '#functions/lib/params';
import { ExportService, exportFileName } from '#functions/domain/export';
import { WorkspaceService } from '#functions/domain/workspaces';
import { DynamoExportRepository } from '#functions/store/export-repository';
import { DynamoUserRepository } from '#functions/store/user-repository';
import { DynamoWorkspaceRepository } from '#functions/store/workspace-repository';

const users = new DynamoUserRepository(ddb, config.tableName);
const workspaces = new WorkspaceService(new DynamoWorkspaceRepository(ddb, config.tableName), users);
const exports = new ExportService(new DynamoExportRepository(ddb, config.tableName), workspaces, users);

export const handler = httpFunction({
  'GET /api/workspaces/{workspaceId}/export': async (request) => {
    const who = caller(request);
    const { workspaceId } = pathOf(workspacePath, request);
    const document = await exports.export(who, workspaceId);
    return {
      ...ok(document),
      // A browser that follows a link to this route saves the document instead of showing it.
      headers: {
        'content-disposition': `attachment; filename="${exportFileName(document.workspace, document.exportedAt)}"`,
      },
    };
  },
});
