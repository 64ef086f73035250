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
  /** A greedy `{name+}` route loses to every full match, whatever its literal segments. */
  greedy: boolean;
}

function compile(route: HttpRoute): CompiledRoute {
  const params: string[] = [];
  let greedy = false;
  const segments = route.path.split('/').filter(Boolean);
  const source = segments
    .map((segment) => {
      const greedyParam = /^\{(\w+)\+\}$/.exec(segment);
      if (greedyParam) {
        params.push(greedyParam[1]!);
        greedy = true;
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
    // No optional trailing slash: an HTTP API route `GET /pets` does not match `/pets/` (that goes to
    // `$default`), unlike REST APIs.
    pattern: new RegExp(`^/${source}$`),
    params,
    literalSegments: segments.filter((s) => !s.startsWith('{')).length,
    greedy,
  };
}

/**
 * Route selection as API Gateway HTTP APIs do it, over the one route table: a full match of method and path
 * (the most specific first), then a greedy `{proxy+}` match, then the `$default` route.
 */
export function createRouter(routes: readonly HttpRoute[] = httpRoutes) {
  const compiled = routes
    .map(compile)
    .sort((a, b) => Number(a.greedy) - Number(b.greedy) || b.literalSegments - a.literalSegments);
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
