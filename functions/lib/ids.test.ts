import { childIdSchema, newChildId, newWorkspaceId, workspaceIdSchema, workspaceOf } from './ids.ts';

describe('ids', () => {
  it('makes inner ids that name their workspace', () => {
    const ws = newWorkspaceId();
    const id = newChildId(ws);
    expect(workspaceOf(id)).toBe(ws);
    expect(childIdSchema.safeParse(id).success).toBe(true);
    expect(workspaceIdSchema.safeParse(ws).success).toBe(true);
  });

  it.each([
    '',
    'abc',
    'x.y',
    `${newWorkspaceId()}`,
    `${newWorkspaceId()}.`,
    `${newChildId(newWorkspaceId())}.extra`,
  ])('rejects %j as an inner id', (id) => {
    expect(workspaceOf(id)).toBeUndefined();
    expect(childIdSchema.safeParse(id).success).toBe(false);
  });

  it('rejects lower-case or over-long workspace ids', () => {
    expect(workspaceIdSchema.safeParse(newWorkspaceId().toLowerCase()).success).toBe(false);
    expect(workspaceIdSchema.safeParse(`${newWorkspaceId()}X`).success).toBe(false);
  });
});
