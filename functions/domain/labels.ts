import { labelNameKey, type CreateLabelInput, type Label, type LabelChanges } from '#shared/schemas/projects';
import { ConflictError, ForbiddenError, NotFoundError, VersionConflictError } from '#functions/lib/errors';
import { newChildId, workspaceOf } from '#functions/lib/ids';
import { can, type Action } from './access.ts';
import type { WorkspaceAuthorizer } from './projects.ts';
import type { Caller, MembershipRecord } from './workspaces.ts';

export type LabelRecord = Label;

export type LabelUpdateOutcome =
  { ok: LabelRecord } | { conflict: LabelRecord } | { missing: true } | { nameTaken: true };

export type LabelDeleteOutcome = { ok: true } | { conflict: LabelRecord } | { missing: true };

/** Persistence of labels and their name guards (functions/store/label-repository.ts). */
export interface LabelRepository {
  /** Stores the label and its name guard; 'name-taken' when the workspace has a label of that name. */
  create(label: LabelRecord): Promise<'ok' | 'name-taken' | 'workspace-gone'>;
  getWithMembership(
    labelId: string,
    userId: string,
  ): Promise<{ label?: LabelRecord; membership?: MembershipRecord }>;
  /** Every label of the workspace (a workspace has few). */
  listAll(workspaceId: string): Promise<LabelRecord[]>;
  /** Applies `changes` if the stored version is still `version`; a rename moves the name guard in the write. */
  update(
    previous: LabelRecord,
    changes: LabelChanges,
    version: number,
    now: string,
  ): Promise<LabelUpdateOutcome>;
  /** Removes the label and its name guard if the stored version is still `version`. */
  delete(label: LabelRecord, version: number): Promise<LabelDeleteOutcome>;
}

const nameTaken = (name: string) =>
  new ConflictError(`A label named "${name}" already exists in this workspace`);

/** Names compare case-insensitively, so a label list reads alphabetically whatever the case. */
const byName = (a: Label, b: Label) =>
  labelNameKey(a.name).localeCompare(labelNameKey(b.name)) || a.id.localeCompare(b.id);

/**
 * Labels organise tasks, so changing them takes the role that writes tasks ('task.write': owners, admins and
 * members); every member reads them.
 */
export class LabelService {
  constructor(
    private readonly repository: LabelRepository,
    private readonly workspaces: WorkspaceAuthorizer,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private async authorize(caller: Caller, labelId: string, action: Action) {
    if (!workspaceOf(labelId)) throw new NotFoundError('No such label');
    const { label, membership } = await this.repository.getWithMembership(labelId, caller.userId);
    if (!membership || !label) throw new NotFoundError('No such label');
    if (!can(membership.role, action)) throw new ForbiddenError();
    return label;
  }

  async create(caller: Caller, workspaceId: string, input: CreateLabelInput): Promise<Label> {
    await this.workspaces.authorize(caller, workspaceId, 'task.write');
    const now = this.clock().toISOString();
    const label: LabelRecord = {
      id: newChildId(workspaceId),
      workspaceId,
      name: input.name,
      color: input.color,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    const outcome = await this.repository.create(label);
    if (outcome === 'name-taken') throw nameTaken(input.name);
    if (outcome === 'workspace-gone') throw new NotFoundError('No such workspace');
    return label;
  }

  async list(caller: Caller, workspaceId: string): Promise<Label[]> {
    await this.workspaces.authorize(caller, workspaceId, 'workspace.read');
    return (await this.repository.listAll(workspaceId)).sort(byName);
  }

  async update(caller: Caller, labelId: string, version: number, changes: LabelChanges): Promise<Label> {
    const label = await this.authorize(caller, labelId, 'task.write');
    if (label.version !== version) throw new VersionConflictError(label);
    const outcome = await this.repository.update(label, changes, version, this.clock().toISOString());
    if ('missing' in outcome) throw new NotFoundError('No such label');
    if ('conflict' in outcome) throw new VersionConflictError(outcome.conflict);
    if ('nameTaken' in outcome) throw nameTaken(changes.name!);
    return outcome.ok;
  }

  /**
   * Deletes the label. `version` is optional (the contract does not require it): when sent, a stale one is a
   * 409; when not, the label is deleted whatever changed meanwhile.
   */
  async delete(caller: Caller, labelId: string, version?: number): Promise<void> {
    let label = await this.authorize(caller, labelId, 'task.write');
    for (let attempt = 0; ; attempt++) {
      if (version !== undefined && label.version !== version) throw new VersionConflictError(label);
      const outcome = await this.repository.delete(label, label.version);
      if ('ok' in outcome) break;
      if ('missing' in outcome) throw new NotFoundError('No such label');
      // Changed between the read and the write: with no version sent, delete what is there now.
      if (version !== undefined || attempt >= 2) throw new VersionConflictError(outcome.conflict);
      label = outcome.conflict;
    }
    // Seam (comes with tasks): take the label off the tasks that carry it (their labelIds), e.g. by queueing
    // the label id for a worker; until then task reads must drop label ids that no longer resolve.
  }
}
