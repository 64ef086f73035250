import type { HttpRoute } from '#shared/routes';
import { createRouter } from './routing.ts';

// Route selection of API Gateway HTTP APIs ("Create routes for HTTP APIs", "Routing API requests"): a full match
// of method and path (the most specific route first), then a greedy `{proxy+}` route, then `$default`.

const notFound = { routeKey: '$default', fn: 'not-found', auth: 'none' };

describe('createRouter over the real route table', () => {
  const route = createRouter();

  it('matches an exact path and method and reports the route key, function and auth', () => {
    expect(route('GET', '/api/health')).toEqual({
      routeKey: 'GET /api/health',
      fn: 'health',
      auth: 'none',
    });
    expect(route('PATCH', '/api/me')).toEqual({ routeKey: 'PATCH /api/me', fn: 'me', auth: 'jwt' });
  });

  it.each([
    ['a method with no route for that path', 'DELETE', '/api/me'],
    ['a path with no route', 'GET', '/api/nothing-here'],
    ['a prefix of a route', 'GET', '/api'],
    ['a longer path than a route', 'GET', '/api/me/extra'],
    ['the root', 'GET', '/'],
    ['another case', 'GET', '/API/ME'],
  ])('%s goes to $default (no path parameters)', (_label, method, path) => {
    expect(route(method, path)).toEqual(notFound);
  });
});

describe('createRouter with its own routes', () => {
  const routes: HttpRoute[] = [
    // Declared least specific first, so that order of declaration cannot be what picks the winner.
    { method: 'GET', path: '/files/{proxy+}', fn: 'greedy-files', auth: 'none' },
    { method: 'GET', path: '/pets/{proxy+}', fn: 'greedy-pets', auth: 'none' },
    { method: 'GET', path: '/{a}/{b}/{c}', fn: 'three-params', auth: 'none' },
    { method: 'GET', path: '/pets/{petId}', fn: 'pet', auth: 'jwt' },
    { method: 'GET', path: '/pets/{petId}/toys/{toyId}', fn: 'toy', auth: 'none' },
    { method: 'GET', path: '/pets/dog', fn: 'dog', auth: 'none' },
    { method: 'POST', path: '/pets', fn: 'create-pet', auth: 'jwt' },
    { method: 'GET', path: '/v1.0/a+b', fn: 'literal-specials', auth: 'none' },
  ];
  const route = createRouter(routes);

  it('gives path parameters by name', () => {
    expect(route('GET', '/pets/42/toys/7')).toEqual({
      routeKey: 'GET /pets/{petId}/toys/{toyId}',
      fn: 'toy',
      auth: 'none',
      pathParameters: { petId: '42', toyId: '7' },
    });
  });

  it('URL-decodes path parameters, as API Gateway does before the integration', () => {
    expect(route('GET', '/pets/caf%C3%A9%20au%20lait').pathParameters).toEqual({ petId: 'café au lait' });
    expect(route('GET', '/pets/a%2Fb').pathParameters).toEqual({ petId: 'a/b' });
  });

  it('the most specific route wins: a literal segment over a parameter, whatever the order', () => {
    expect(route('GET', '/pets/dog')).toEqual({ routeKey: 'GET /pets/dog', fn: 'dog', auth: 'none' });
    expect(route('GET', '/pets/cat')).toMatchObject({ fn: 'pet', pathParameters: { petId: 'cat' } });
  });

  it('a full match wins over a greedy route with the same literal segments', () => {
    // `/pets/{petId}` and `/pets/{proxy+}` both match `/pets/7` with one literal segment each.
    expect(route('GET', '/pets/7')).toMatchObject({ routeKey: 'GET /pets/{petId}', fn: 'pet' });
  });

  it('a full match wins over a greedy route even with fewer literal segments', () => {
    expect(route('GET', '/files/x/y')).toEqual({
      routeKey: 'GET /{a}/{b}/{c}',
      fn: 'three-params',
      auth: 'none',
      pathParameters: { a: 'files', b: 'x', c: 'y' },
    });
  });

  it('a greedy route catches any depth under it, decoded', () => {
    expect(route('GET', '/pets/1/2/3/4')).toEqual({
      routeKey: 'GET /pets/{proxy+}',
      fn: 'greedy-pets',
      auth: 'none',
      pathParameters: { proxy: '1/2/3/4' },
    });
    expect(route('GET', '/files/a/b%20c/d/e')).toMatchObject({
      fn: 'greedy-files',
      pathParameters: { proxy: 'a/b c/d/e' },
    });
  });

  it('a greedy variable needs at least one character', () => {
    expect(route('GET', '/files/')).toEqual(notFound);
    expect(route('GET', '/files')).toEqual(notFound);
  });

  it('a parameter never matches an empty segment', () => {
    expect(route('GET', '/pets//toys/7')).toMatchObject({ fn: 'greedy-pets' });
    expect(route('GET', '/a//c')).toEqual(notFound);
  });

  it('the method must match: another method on a known path goes to $default', () => {
    expect(route('POST', '/pets')).toEqual({ routeKey: 'POST /pets', fn: 'create-pet', auth: 'jwt' });
    expect(route('GET', '/pets')).toEqual(notFound);
    expect(route('DELETE', '/pets/7')).toEqual(notFound);
    expect(route('get', '/pets/dog')).toEqual(notFound);
  });

  it('literal segments are matched literally, not as patterns', () => {
    expect(route('GET', '/v1.0/a+b')).toMatchObject({ fn: 'literal-specials' });
    expect(route('GET', '/v1x0/aab')).toEqual(notFound);
  });

  it('a trailing slash is part of the path: HTTP APIs do not ignore it, so it goes to $default', () => {
    // Unlike REST APIs, an HTTP API route `POST /pets` does not match `/pets/`; the function of the matched
    // route must never see a path its route does not describe (and a jwt route must not be reached on
    // another path). The request then goes to `$default`, or a greedy route that covers it.
    expect(route('POST', '/pets/')).toEqual(notFound);
    expect(route('GET', '/pets/dog/')).toMatchObject({
      fn: 'greedy-pets',
      pathParameters: { proxy: 'dog/' },
    });
    expect(route('GET', '/v1.0/a+b/')).toEqual(notFound);
    expect(createRouter()('GET', '/api/me/')).toEqual(notFound);
    expect(createRouter()('GET', '/api/health/')).toEqual(notFound);
  });
});
