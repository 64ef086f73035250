import { httpFunction } from '#functions/lib/http';

// Tasks: being built (routes are registered; each answers 404 until its operation lands).
export const handler = httpFunction({});
