import * as z from 'zod';
import { ValidationError } from './errors.ts';

/** `?limit=` (1..100, default 50) and `?cursor=` of every list (../shared/API.md, "Lists"). */
export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(2048).optional(),
});

export type PageQuery = z.infer<typeof pageQuerySchema>;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A cursor is DynamoDB's LastEvaluatedKey, opaque to clients (base64url JSON). */
export function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null;
}

export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof key === 'object' && key !== null && !Array.isArray(key)) return key as Record<string, unknown>;
  } catch {
    // falls through to the validation error
  }
  throw new ValidationError([{ field: 'cursor', message: 'is not a cursor this API gave out' }]);
}
