import type * as z from 'zod';
import { ValidationError } from './errors.ts';

export type InputLocation = 'body' | 'query' | 'path';

/**
 * Parses one part of a request with its schema. Detail fields name the offending field by its dotted path
 * inside that part (`name`, `notificationPrefs.email.digest`); a problem with the part as a whole names the
 * part itself (`body`).
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  location: InputLocation,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    return keys.map((key) => ({
      field: [...issue.path, ...(key === undefined ? [] : [key])].map(String).join('.') || location,
      message: issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message,
    }));
  });
  throw new ValidationError(details.flat());
}
