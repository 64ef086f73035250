import * as z from 'zod';

/**
 * Projects and labels (../shared/API.md, "Projects" and "Subtasks, comments, labels"): the request schemas the
 * API validates with and the web app can reuse for its forms, and the shapes the API answers with.
 */

export const projectNameSchema = z.string().trim().min(1).max(100);

/** 2-10 upper-case letters A-Z; tasks are numbered `KEY-1`, `KEY-2`, ... Nothing is upper-cased for the caller. */
export const projectKeySchema = z.string().regex(/^[A-Z]{2,10}$/, 'must be 2-10 upper-case letters A-Z');

/** Markdown; kept as sent (leading spaces can matter in markdown), up to 5,000 characters. */
export const projectDescriptionSchema = z.string().max(5000);

const versionSchema = z.number().int().positive();

/** A PATCH body names at least one field besides `version`. */
const changesSomething = (body: object) => Object.keys(body).some((field) => field !== 'version');
/** Checked only on an otherwise valid body, so an unknown field is reported alone, by its name. */
const noIssuesYet = (payload: { issues: unknown[] }) => payload.issues.length === 0;

export const createProjectSchema = z.strictObject({
  name: projectNameSchema,
  key: projectKeySchema,
  description: projectDescriptionSchema.default(''),
});

export type CreateProjectInput = z.infer<typeof createProjectSchema>;

/** `PATCH /api/projects/{projectId}`: the version last seen and at least one field to change. */
export const patchProjectSchema = z
  .strictObject({
    version: versionSchema,
    name: projectNameSchema.optional(),
    key: projectKeySchema.optional(),
    description: projectDescriptionSchema.optional(),
    archived: z.boolean().optional(),
  })
  .refine(changesSomething, { message: 'name at least one field to change', when: noIssuesYet });

export type PatchProjectInput = z.infer<typeof patchProjectSchema>;
export type ProjectChanges = Omit<PatchProjectInput, 'version'>;

/** `?archived=false` (the default: active projects only) or `?archived=true` (archived ones only). */
export const archivedFilterSchema = z
  .enum(['true', 'false'], { message: 'must be true or false' })
  .default('false')
  .transform((value) => value === 'true');

/** A required `?version=` (deletes): a positive integer. */
export const versionQuerySchema = z
  .string({ message: 'is required: the version last seen' })
  .regex(/^[1-9][0-9]{0,14}$/, 'must be a positive integer')
  .transform(Number);

export interface Project {
  id: string;
  workspaceId: string;
  name: string;
  key: string;
  description: string;
  archived: boolean;
  /** Live (not deleted) tasks of the project. */
  taskCount: number;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export const labelNameSchema = z.string().trim().min(1).max(50);

/** `#rrggbb`; stored and answered in lower case. */
export const labelColorSchema = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, 'must be a hex colour like #1a2b3c')
  .transform((color) => color.toLowerCase());

export const createLabelSchema = z.strictObject({ name: labelNameSchema, color: labelColorSchema });

export type CreateLabelInput = z.infer<typeof createLabelSchema>;

export const patchLabelSchema = z
  .strictObject({
    version: versionSchema,
    name: labelNameSchema.optional(),
    color: labelColorSchema.optional(),
  })
  .refine(changesSomething, { message: 'name at least one field to change', when: noIssuesYet });

export type PatchLabelInput = z.infer<typeof patchLabelSchema>;
export type LabelChanges = Omit<PatchLabelInput, 'version'>;

export interface Label {
  id: string;
  workspaceId: string;
  name: string;
  color: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** The form label names are unique in (case-insensitively, after Unicode normalization). */
export const labelNameKey = (name: string) => name.normalize('NFC').toLowerCase();
