import { defaultHttpRoute, httpRoutes, routeKeyOf, type HttpRoute } from '#shared/routes';

export interface MatchedRoute {
  routeKey: string;
  fn: string;
  auth: HttpRoute['auth'];
  pathParameters?: Record<string, string>;
}

interface CompiledRoute {
  route: HttpRoute;
  pattern: RegExp;
  params: string[];
  /** API Gateway prefers the most specific route: more literal segments win over parameters. */
  literalSegments: number;
}

function compile(route: HttpRoute): CompiledRoute {
  const params: string[] = [];
  const segments = route.path.split('/').filter(Boolean);
  const source = segments
    .map((segment) => {
      const greedy = /^\{(\w+)\+\}$/.exec(segment);
      if (greedy) {
        params.push(greedy[1]!);
        return '(.+)';
      }
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param) {
        params.push(param[1]!);
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return {
    route,
    pattern: new RegExp(`^/${source}/?$`),
    params,
    literalSegments: segments.filter((s) => !s.startsWith('{')).length,
  };
}

/** Route selection as API Gateway HTTP APIs do it, over the one route table; no match → the `$default` route. */
export function createRouter(routes: readonly HttpRoute[] = httpRoutes) {
  const compiled = routes.map(compile).sort((a, b) => b.literalSegments - a.literalSegments);
  return (method: string, path: string): MatchedRoute => {
    for (const candidate of compiled) {
      if (candidate.route.method !== method) continue;
      const match = candidate.pattern.exec(path);
      if (!match) continue;
      const pathParameters = Object.fromEntries(
        candidate.params.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]),
      );
      return {
        routeKey: routeKeyOf(candidate.route),
        fn: candidate.route.fn,
        auth: candidate.route.auth,
        ...(candidate.params.length ? { pathParameters } : {}),
      };
    }
    return { routeKey: defaultHttpRoute.routeKey, fn: defaultHttpRoute.fn, auth: defaultHttpRoute.auth };
  };
}
