import fs from 'node:fs';
import path from 'node:path';
import { defaultHttpRoute, httpRoutes, routeKeyOf, websocketRoutes } from '#shared/routes';
import { functions } from '#infra/functions';

const root = path.resolve(__dirname, '../..');

describe('route table ↔ functions', () => {
  beforeAll(() => {
    process.env.TABLE_NAME = 'unit-test-table';
    process.env.ATTACHMENTS_BUCKET = 'unit-test-bucket';
    process.env.JWT_ISSUER = 'https://issuer.example.com/pool';
    process.env.JWT_AUDIENCE = 'client';
  });

  it('names only functions that exist, with an entry module on disk', () => {
    const named = [...httpRoutes.map((r) => r.fn), defaultHttpRoute.fn, ...websocketRoutes.map((r) => r.fn)];
    for (const fn of named) {
      expect(functions).toHaveProperty(fn);
      expect(fs.existsSync(path.join(root, functions[fn as keyof typeof functions].entry))).toBe(true);
    }
  });

  it('has no two routes with the same method and path', () => {
    const keys = httpRoutes.map(routeKeyOf);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each(httpRoutes.map((r) => [routeKeyOf(r), r.fn] as const))(
    '%s is served by the %s function',
    async (routeKey, fn) => {
      const mod = (await import(path.join(root, functions[fn].entry))) as {
        handler: { routeKeys: string[] };
      };
      expect(mod.handler.routeKeys).toContain(routeKey);
    },
  );

  it('gives every function only routes of the table (no operation is unreachable)', async () => {
    const tableKeys = new Set(httpRoutes.map(routeKeyOf));
    for (const fn of new Set(httpRoutes.map((r) => r.fn))) {
      const mod = (await import(path.join(root, functions[fn].entry))) as {
        handler: { routeKeys: string[] };
      };
      for (const key of mod.handler.routeKeys) expect(tableKeys.has(key)).toBe(true);
    }
  });
});
