/**
 * Lambda event filtering (FilterCriteria) for the local event source mappings: the EventBridge-style pattern
 * syntax Lambda applies to a record before batching it. Pure logic, no SDK.
 *
 * Semantics mirrored from AWS ("Lambda event filtering", "Filter rule syntax", EventBridge "Comparison
 * operators"):
 * - Keys of a pattern object are ANDed; a nested object descends into the record.
 * - A leaf is an array of allowed values or operators, ORed. A leaf must be an array: AWS rejects
 *   `{ eventName: 'INSERT' }`, and so does compileFilter (a config mistake should fail loudly, not match
 *   nothing).
 * - Matching is on leaf values only (strings, numbers, booleans, null). Arrays in the record are flattened,
 *   so a leaf rule matches when any element matches. An object where the pattern expects a leaf is not a
 *   value: `{ exists: true }` does not match it and `{ exists: false }` does (AWS documents this for DynamoDB
 *   images, whose values are `{ S: ... }` objects).
 * - A missing field matches nothing except `{ exists: false }` (anything-but included).
 * - `$or: [patternA, patternB]` ORs whole sub-patterns ("Or (multiple fields)").
 */
import type { FilterPattern } from '../../functions.ts';

type Leaf = string | number | boolean | null;
type LeafTest = (value: Leaf) => boolean;

/** One compiled leaf rule: the tests ORed over the leaf values at its path, or an exists check. */
type LeafRule = { kind: 'values'; tests: LeafTest[] } | { kind: 'exists'; exists: boolean };

interface CompiledNode {
  leaves: Array<{ key: string; rule: LeafRule[] }>;
  children: Array<{ key: string; node: CompiledNode }>;
  /** `$or: [patternA, patternB]`: at least one alternative matches at this level. */
  alternatives: CompiledNode[];
}

export type CompiledFilter = (record: object) => boolean;

export class InvalidFilterPatternError extends Error {
  constructor(path: string[], message: string) {
    super(`Invalid filter pattern at ${path.length ? path.join('.') : '(root)'}: ${message}`);
    this.name = 'InvalidFilterPatternError';
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLeaf(value: unknown): value is Leaf {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

const NUMERIC_OPERATORS = {
  '=': (a: number, b: number) => a === b,
  '<': (a: number, b: number) => a < b,
  '<=': (a: number, b: number) => a <= b,
  '>': (a: number, b: number) => a > b,
  '>=': (a: number, b: number) => a >= b,
} as const;

function compileNumeric(spec: unknown, path: string[]): LeafTest {
  if (!Array.isArray(spec) || spec.length === 0 || spec.length % 2 !== 0 || spec.length > 4) {
    throw new InvalidFilterPatternError(path, 'numeric takes one or two [operator, number] pairs');
  }
  const comparisons: Array<(value: number) => boolean> = [];
  for (let i = 0; i < spec.length; i += 2) {
    const operator: unknown = spec[i];
    const operand: unknown = spec[i + 1];
    if (typeof operator !== 'string' || !(operator in NUMERIC_OPERATORS)) {
      throw new InvalidFilterPatternError(path, `unknown numeric operator ${JSON.stringify(operator)}`);
    }
    if (typeof operand !== 'number' || !Number.isFinite(operand)) {
      throw new InvalidFilterPatternError(
        path,
        `numeric operand must be a number, got ${JSON.stringify(operand)}`,
      );
    }
    const compare = NUMERIC_OPERATORS[operator as keyof typeof NUMERIC_OPERATORS];
    comparisons.push((value) => compare(value, operand));
  }
  // Numeric rules only ever match JSON numbers: a DynamoDB `{ N: '5' }` value is a string and never matches.
  return (value) => typeof value === 'number' && comparisons.every((c) => c(value));
}

/** `equals-ignore-case` inside prefix/suffix/anything-but, or the plain string form. */
function stringOperand(
  spec: unknown,
  path: string[],
  operator: string,
): { text: string; ignoreCase: boolean } {
  if (typeof spec === 'string') return { text: spec, ignoreCase: false };
  if (
    isPlainObject(spec) &&
    Object.keys(spec).length === 1 &&
    typeof spec['equals-ignore-case'] === 'string'
  ) {
    return { text: spec['equals-ignore-case'], ignoreCase: true };
  }
  throw new InvalidFilterPatternError(path, `${operator} takes a string or { "equals-ignore-case": string }`);
}

function compileAnythingBut(spec: unknown, path: string[]): LeafTest {
  if (isLeaf(spec) || Array.isArray(spec)) {
    const excluded = Array.isArray(spec) ? spec : [spec];
    if (!excluded.every((v) => typeof v === 'string' || typeof v === 'number')) {
      throw new InvalidFilterPatternError(path, 'anything-but values must be strings or numbers');
    }
    return (value) => !excluded.some((v) => v === value);
  }
  if (isPlainObject(spec) && Object.keys(spec).length === 1) {
    const [operator] = Object.keys(spec) as [string];
    const operand = spec[operator];
    if (operator === 'prefix' || operator === 'suffix') {
      const inner = compileOperator({ [operator]: operand }, path);
      return (value) => typeof value === 'string' && !inner(value);
    }
    if (operator === 'equals-ignore-case') {
      const values = Array.isArray(operand) ? operand : [operand];
      if (!values.every((v) => typeof v === 'string')) {
        throw new InvalidFilterPatternError(path, 'anything-but equals-ignore-case takes strings');
      }
      const lowered = (values as string[]).map((v) => v.toLowerCase());
      return (value) => typeof value === 'string' && !lowered.includes(value.toLowerCase());
    }
  }
  throw new InvalidFilterPatternError(path, `unsupported anything-but ${JSON.stringify(spec)}`);
}

function compileOperator(spec: Record<string, unknown>, path: string[]): LeafTest {
  const keys = Object.keys(spec);
  if (keys.length !== 1) {
    throw new InvalidFilterPatternError(
      path,
      `an operator object has exactly one key, got ${JSON.stringify(spec)}`,
    );
  }
  const operator = keys[0]!;
  const operand = spec[operator];
  switch (operator) {
    case 'prefix': {
      const { text, ignoreCase } = stringOperand(operand, path, operator);
      const needle = ignoreCase ? text.toLowerCase() : text;
      return (value) =>
        typeof value === 'string' && (ignoreCase ? value.toLowerCase() : value).startsWith(needle);
    }
    case 'suffix': {
      const { text, ignoreCase } = stringOperand(operand, path, operator);
      const needle = ignoreCase ? text.toLowerCase() : text;
      return (value) =>
        typeof value === 'string' && (ignoreCase ? value.toLowerCase() : value).endsWith(needle);
    }
    case 'equals-ignore-case': {
      if (typeof operand !== 'string') {
        throw new InvalidFilterPatternError(path, 'equals-ignore-case takes a string');
      }
      const lowered = operand.toLowerCase();
      return (value) => typeof value === 'string' && value.toLowerCase() === lowered;
    }
    case 'anything-but':
      return compileAnythingBut(operand, path);
    case 'numeric':
      return compileNumeric(operand, path);
    default:
      // wildcard, cidr and friends exist in EventBridge but not in Lambda's filter rule syntax.
      throw new InvalidFilterPatternError(path, `unsupported operator "${operator}"`);
  }
}

function compileLeafRule(values: unknown[], path: string[]): LeafRule[] {
  const tests: LeafTest[] = [];
  const rules: LeafRule[] = [];
  for (const value of values) {
    if (isLeaf(value)) {
      // Exact match: strings with strings, numbers numerically (so 5 matches 5.0), null with null.
      tests.push((candidate) => candidate === value);
    } else if (isPlainObject(value) && 'exists' in value) {
      if (Object.keys(value).length !== 1 || typeof value.exists !== 'boolean') {
        throw new InvalidFilterPatternError(path, 'exists takes true or false');
      }
      rules.push({ kind: 'exists', exists: value.exists });
    } else if (isPlainObject(value)) {
      tests.push(compileOperator(value, path));
    } else {
      throw new InvalidFilterPatternError(path, `unsupported match value ${JSON.stringify(value)}`);
    }
  }
  if (tests.length > 0 || rules.length === 0) rules.push({ kind: 'values', tests });
  return rules;
}

function compileNode(pattern: Record<string, unknown>, path: string[]): CompiledNode {
  const node: CompiledNode = { leaves: [], children: [], alternatives: [] };
  for (const [key, value] of Object.entries(pattern)) {
    const here = [...path, key];
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isPlainObject)) {
        throw new InvalidFilterPatternError(here, '$or takes an array of at least two patterns');
      }
      node.alternatives = value.map((alternative, i) => compileNode(alternative, [...here, String(i)]));
    } else if (Array.isArray(value)) node.leaves.push({ key, rule: compileLeafRule(value, here) });
    else if (isPlainObject(value)) node.children.push({ key, node: compileNode(value, here) });
    else {
      throw new InvalidFilterPatternError(
        here,
        `a match value must be an array (e.g. [${JSON.stringify(value)}]) or a nested object`,
      );
    }
  }
  return node;
}

/** The values under `key` of every candidate object, with arrays flattened (as EventBridge flattens them). */
function descend(candidates: unknown[], key: string): unknown[] {
  const out: unknown[] = [];
  const push = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(push);
    else out.push(value);
  };
  for (const candidate of candidates) {
    if (isPlainObject(candidate) && Object.hasOwn(candidate, key)) push(candidate[key]);
  }
  return out;
}

function matchNode(node: CompiledNode, candidates: unknown[]): boolean {
  for (const { key, rule } of node.leaves) {
    const leaves = descend(candidates, key).filter(isLeaf);
    // Several entries of one array are ORed: any exists rule or value test that holds is enough.
    const ok = rule.some((r) =>
      r.kind === 'exists' ? leaves.length > 0 === r.exists : leaves.some((v) => r.tests.some((t) => t(v))),
    );
    if (!ok) return false;
  }
  for (const { key, node: child } of node.children) {
    if (!matchNode(child, descend(candidates, key))) return false;
  }
  return node.alternatives.length === 0 || node.alternatives.some((a) => matchNode(a, candidates));
}

/** Validates a pattern once (throwing InvalidFilterPatternError, like CreateEventSourceMapping would). */
export function compileFilter(pattern: FilterPattern): CompiledFilter {
  if (!isPlainObject(pattern)) throw new InvalidFilterPatternError([], 'a pattern is a JSON object');
  const root = compileNode(pattern, []);
  return (record) => matchNode(root, [record]);
}

/** Whether `record` (as Lambda would deliver it) matches one filter pattern. */
export function matchesFilter(record: object, pattern: FilterPattern): boolean {
  return compileFilter(pattern)(record);
}

/** Lambda keeps a record when any of the mapping's filters matches; no filters means every record passes. */
export function matchesAnyFilter(record: object, patterns: readonly FilterPattern[]): boolean {
  return patterns.length === 0 || patterns.some((p) => matchesFilter(record, p));
}

/** Compiled form of matchesAnyFilter, for a poller that checks every record against the same filters. */
export function compileFilters(patterns: readonly FilterPattern[]): CompiledFilter {
  const compiled = patterns.map(compileFilter);
  return (record) => compiled.length === 0 || compiled.some((f) => f(record));
}
