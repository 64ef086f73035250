/** What a handler's answer says about a batch, read as Lambda reads ReportBatchItemFailures responses. */
export type ReportedFailures =
  | { kind: 'success' }
  /** Positions (in the batch) of the items the handler reported as failed, in the order reported. */
  | { kind: 'partial'; indexes: number[] }
  | { kind: 'failure'; reason: string };

/**
 * Success: no response, or no or an empty `batchItemFailures`. Whole-batch failure: `batchItemFailures` that is
 * not a list, or an `itemIdentifier` that is empty, not a string, or not the id of an item of this batch.
 */
export function readBatchItemFailures(ids: readonly string[], response: unknown): ReportedFailures {
  if (typeof response !== 'object' || response === null) return { kind: 'success' };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures)) {
    return { kind: 'failure', reason: 'Invalid response: batchItemFailures is not a list' };
  }
  if (failures.length === 0) return { kind: 'success' };
  const indexes: number[] = [];
  for (const failure of failures) {
    const id: unknown =
      typeof failure === 'object' && failure !== null
        ? (failure as Record<string, unknown>).itemIdentifier
        : undefined;
    const index = typeof id === 'string' && id !== '' ? ids.indexOf(id) : -1;
    if (index < 0) {
      return {
        kind: 'failure',
        reason: `Invalid response: itemIdentifier ${JSON.stringify(id)} is not in the batch`,
      };
    }
    indexes.push(index);
  }
  return { kind: 'partial', indexes };
}
