import { describe, expect, it } from 'vitest';
import { readObjectRequest, routeRequest, type ObjectRequest, type Route } from '../../../../src/targets/local/edge/routing.js';

describe('routeRequest', () => {
  const workerPaths = (): boolean => true; // a cluster worker passes everything outside /stream/ on
  const cases: [string, string, ((p: string) => boolean) | undefined, boolean, Route][] = [
    ['/stream/index.m3u8', 'GET', undefined, true, 'cache'], // the stream: no handler gets a say
    ['/stream/index.m3u8', 'GET', workerPaths, true, 'cache'], // nor the pass-through
    ['/stream/x.ts', 'DELETE', undefined, false, 'cache'], // refused by the cache, not routed elsewhere
    ['/player/', 'GET', workerPaths, true, 'pass-through'],
    ['/metrics', 'GET', workerPaths, false, 'pass-through'], // a worker's /metrics is the shield's
    ['/metrics', 'GET', undefined, false, 'metrics'],
    ['/metrics', 'GET', undefined, true, 'metrics'], // before the handlers
    ['/metrics', 'POST', undefined, true, 'handlers'],
    ['/metrics', 'HEAD', undefined, false, 'cache'],
    ['/player/', 'GET', undefined, true, 'handlers'],
    ['/player/', 'GET', (p) => p === '/api/', true, 'handlers'],
    ['/favicon.ico', 'GET', undefined, false, 'cache'],
    ['/', 'GET', undefined, false, 'cache'],
  ];
  it.each(cases)('%s %s → %#', (rawPath, method, passThrough, hasHandlers, route) => {
    expect(routeRequest(rawPath, method, passThrough, hasHandlers)).toBe(route);
  });
});

describe('readObjectRequest', () => {
  const cases: [string | undefined, string, boolean, ObjectRequest][] = [
    ['GET', '/stream/index.m3u8', false, { ok: true, key: 'stream/index.m3u8' }],
    ['HEAD', '/stream/a%20b.ts', false, { ok: true, key: 'stream/a b.ts' }],
    ['OPTIONS', '/stream/index.m3u8', false, 'preflight'],
    ['OPTIONS', '/../etc/passwd', true, 'preflight'], // answered as a preflight whatever the path
    ['PUT', '/stream/index.m3u8', true, { ok: false, status: 405, code: 'MethodNotAllowed', allow: 'GET, HEAD, OPTIONS' }],
    [undefined, '/stream/index.m3u8', false, { ok: false, status: 405, code: 'MethodNotAllowed', allow: 'GET, HEAD, OPTIONS' }],
    ['GET', '/stream/../etc/passwd', false, { ok: false, status: 400, code: 'InvalidPath' }],
    ['GET', `/stream/${'a'.repeat(300)}.ts`, false, { ok: false, status: 414, code: 'PathTooLong' }],
    ['GET', '/', false, { ok: false, status: 404, code: 'NotFound' }], // no listing through the edge
    ['GET', '/stream/index.m3u8', true, { ok: false, status: 400, code: 'UnexpectedBody' }],
    ['GET', '/stream/../x', true, { ok: false, status: 400, code: 'InvalidPath' }], // the path is checked first
  ];
  it.each(cases)('%s %s (body: %s)', (method, rawPath, hasBody, expected) => {
    expect(readObjectRequest(method, rawPath, hasBody)).toEqual(expected);
  });

  it('returns shared refusals, not new objects', () => {
    expect(readObjectRequest('PUT', '/a', false)).toBe(readObjectRequest('DELETE', '/b', false));
  });
});
