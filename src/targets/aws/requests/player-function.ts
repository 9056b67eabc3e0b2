/**
 * The CloudFront Function that makes `https://<distribution>/player/` play. Pure.
 *
 * The player lives in the origin under `player/`. S3 behind origin access control serves objects
 * by exact key and has no index documents (that is a website-endpoint feature, and website
 * endpoints cannot use OAC), so `/player/` is a request for the key "player/", which does not
 * exist: S3 answers 403. CloudFront's DefaultRootObject only covers the root ("/"), not
 * sub-folders. A viewer-request function rewrites the folder to its index.html before the cache
 * and the origin see it; `/player` (no slash) is redirected to `/player/` so the page's relative
 * links (player.js, ../stream/index.m3u8) resolve under /player/.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/example_cloudfront_functions_url_rewrite_single_page_apps_section.html
 */
import type { CreateFunctionRequest, FunctionAssociations, FunctionConfig } from '@aws-sdk/client-cloudfront';
import type { ResourceNames } from './names.js';

/** CloudFront function names: ^[a-zA-Z0-9-_]{1,64}$ (CreateFunction, API reference). */
export const FUNCTION_NAME_PATTERN = /^[a-zA-Z0-9-_]{1,64}$/;

/** Function names are global to the account (like the cache policies): the region is part of it. */
export function playerFunctionName(names: Pick<ResourceNames, 'stack' | 'region'>): string {
  return `${names.stack}-${names.region}-player-index`;
}

/**
 * The handler, in the cloudfront-js-2.0 runtime (ES 5.1 plus some ES6+: plain `var` and function
 * expressions keep it runnable anywhere). The event's query string is an object of
 * { value, multiValue? }; a redirect must carry it over by hand.
 */
export const PLAYER_FUNCTION_CODE = `function handler(event) {
  var request = event.request;
  if (request.uri === '/player') {
    return {
      statusCode: 301,
      statusDescription: 'Moved Permanently',
      headers: { location: { value: '/player/' + queryString(request.querystring) } },
    };
  }
  if (request.uri.endsWith('/')) request.uri += 'index.html';
  return request;
}

function queryString(query) {
  var parts = [];
  Object.keys(query || {}).forEach(function (key) {
    var entry = query[key];
    var values = entry.multiValue ? entry.multiValue.map(function (m) { return m.value; }) : [entry.value];
    values.forEach(function (value) { parts.push(value === '' ? key : key + '=' + value); });
  });
  return parts.length > 0 ? '?' + parts.join('&') : '';
}
`;

export function buildPlayerFunctionConfig(names: Pick<ResourceNames, 'stack' | 'region'>): FunctionConfig {
  return { Comment: `livestream ${names.stack} (${names.region}): /player/ -> /player/index.html`, Runtime: 'cloudfront-js-2.0' };
}

export function buildCreatePlayerFunctionRequest(names: ResourceNames): CreateFunctionRequest {
  return {
    Name: playerFunctionName(names),
    FunctionConfig: buildPlayerFunctionConfig(names),
    FunctionCode: new TextEncoder().encode(PLAYER_FUNCTION_CODE),
    // No Tags: CreateFunction has no Tags member in AWS's published CloudFront model (aws/api-models-aws,
    // 2025-04) although newer SDKs send one. The function is the stack's by its deterministic name.
  };
}

/** Attached to the player's cache behaviours, before the cache (viewer-request). */
export function playerFunctionAssociations(functionArn: string): FunctionAssociations {
  return { Quantity: 1, Items: [{ FunctionARN: functionArn, EventType: 'viewer-request' }] };
}
