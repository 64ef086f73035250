import { httpFunction } from '#functions/lib/http';

/** API Gateway's `$default` route: every request no route matches gets a 404 in the contract's shape. */
export const handler = httpFunction({});
