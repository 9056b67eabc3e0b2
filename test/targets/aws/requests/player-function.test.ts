import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { resourceNames } from '../../../../src/targets/aws/requests/names.js';
import {
  buildCreatePlayerFunctionRequest,
  FUNCTION_NAME_PATTERN,
  PLAYER_FUNCTION_CODE,
  playerFunctionName,
} from '../../../../src/targets/aws/requests/player-function.js';

type Query = Record<string, { value: string; multiValue?: Array<{ value: string }> }>;
interface Request { method: string; uri: string; querystring: Query; headers: Record<string, { value: string }>; cookies: Record<string, unknown> }

/**
 * Run the function's code as CloudFront does: the source alone, in a fresh context with no Node
 * globals (no require, process, Buffer), calling handler(event) with a cloudfront-js-2.0
 * viewer-request event.
 */
function runFunction(uri: string, querystring: Query = {}): unknown {
  const context = vm.createContext({});
  vm.runInContext(PLAYER_FUNCTION_CODE, context);
  const event = {
    version: '1.0',
    context: { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', eventType: 'viewer-request', requestId: 'r1' },
    viewer: { ip: '198.51.100.11' },
    request: { method: 'GET', uri, querystring, headers: { host: { value: 'd111111abcdef8.cloudfront.net' } }, cookies: {} } satisfies Request,
  };
  return JSON.parse(JSON.stringify((context.handler as (e: unknown) => unknown)(event)));
}

describe('the player CloudFront Function (run as code)', () => {
  it('maps /player/ to /player/index.html, the object S3 can serve', () => {
    expect(runFunction('/player/')).toMatchObject({ method: 'GET', uri: '/player/index.html' });
  });

  it('keeps the query string of /player/?src=... (CloudFront passes it on unchanged)', () => {
    const out = runFunction('/player/', { src: { value: 'https%3A%2F%2Fexample.com%2Fa.m3u8' } }) as Request;
    expect(out.uri).toBe('/player/index.html');
    expect(out.querystring).toEqual({ src: { value: 'https%3A%2F%2Fexample.com%2Fa.m3u8' } });
  });

  it('leaves the player files alone', () => {
    for (const uri of ['/player/index.html', '/player/player.js', '/player/hls.min.js', '/player/player.css']) {
      expect((runFunction(uri) as Request).uri).toBe(uri);
    }
  });

  it('redirects /player to /player/ so the page\'s relative links resolve under /player/', () => {
    expect(runFunction('/player')).toEqual({ statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: '/player/' } } });
  });

  it('carries the query string, repeated keys and bare keys included, over the redirect', () => {
    const out = runFunction('/player', { src: { value: 'a.m3u8' }, debug: { value: '' }, x: { value: '1', multiValue: [{ value: '1' }, { value: '2' }] } }) as { headers: { location: { value: string } } };
    expect(out.headers.location.value).toBe('/player/?src=a.m3u8&debug&x=1&x=2');
  });

  it('fits CloudFront Functions\' 10 KB code limit', () => {
    expect(Buffer.byteLength(PLAYER_FUNCTION_CODE)).toBeLessThan(10 * 1024);
  });
});

describe('the CreateFunction request', () => {
  it('cloudfront-js-2.0, the code as bytes, no Tags (not in the published model)', () => {
    const req = buildCreatePlayerFunctionRequest(resourceNames('demo', 'eu-west-1', '123456789012'));
    expect(req.Name).toBe('demo-eu-west-1-player-index');
    expect(req.FunctionConfig).toEqual({ Comment: 'livestream demo (eu-west-1): /player/ -> /player/index.html', Runtime: 'cloudfront-js-2.0' });
    expect(new TextDecoder().decode(req.FunctionCode)).toBe(PLAYER_FUNCTION_CODE);
    expect(Object.keys(req).sort()).toEqual(['FunctionCode', 'FunctionConfig', 'Name']);
  });

  it('the name fits ^[a-zA-Z0-9-_]{1,64}$ for the longest stack name in the longest region name', () => {
    const name = playerFunctionName({ stack: 'a'.repeat(32), region: 'ap-southeast-4' });
    expect(name).toMatch(FUNCTION_NAME_PATTERN);
  });
});
