import * as z from 'zod';
import { patchMeSchema } from '#shared/schemas/me';
import { ValidationError } from './errors.ts';
import { parseInput } from './validation.ts';

function fieldsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).details!.map((d) => d.field);
  }
  throw new Error('expected a ValidationError');
}

describe('parseInput', () => {
  it('returns the parsed value (trimmed, typed) when valid', () => {
    expect(parseInput(patchMeSchema, { name: '  Ada ' }, 'body')).toEqual({ name: 'Ada' });
  });

  it('names nested fields by their dotted path', () => {
    expect(
      fieldsOf(() => parseInput(patchMeSchema, { notificationPrefs: { email: { digest: 1 } } }, 'body')),
    ).toEqual(['notificationPrefs.email.digest']);
  });

  it('names each unknown field on its own', () => {
    expect(fieldsOf(() => parseInput(patchMeSchema, { name: 'A', foo: 1, bar: 2 }, 'body'))).toEqual([
      'foo',
      'bar',
    ]);
  });

  it('names the part itself when the whole value is wrong', () => {
    expect(fieldsOf(() => parseInput(patchMeSchema, 'text', 'body'))).toEqual(['body']);
    expect(fieldsOf(() => parseInput(z.strictObject({ limit: z.coerce.number() }), 'x', 'query'))).toEqual([
      'query',
    ]);
  });

  it('reports every failing field at once', () => {
    expect(
      fieldsOf(() => parseInput(patchMeSchema, { name: '', timezone: 'Nowhere/Else' }, 'body')).sort(),
    ).toEqual(['name', 'timezone']);
  });
});
