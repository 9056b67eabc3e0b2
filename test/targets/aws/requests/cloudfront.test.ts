import { describe, expect, it } from 'vitest';
import * as cf from '../../../../src/targets/aws/requests/cloudfront.js';
import { resourceNames } from '../../../../src/targets/aws/requests/names.js';

const names = resourceNames('demo', 'us-east-1', '123456789012');
const METHODS = { Quantity: 3, Items: ['GET', 'HEAD', 'OPTIONS'], CachedMethods: { Quantity: 2, Items: ['GET', 'HEAD'] } };
const behaviour = (cachePolicyId: string, originRequestPolicyId = '88a5eaf4-2fd4-4709-b370-b4c650ea3fcf') => ({
  TargetOriginId: 'livestream-origin',
  ViewerProtocolPolicy: 'redirect-to-https',
  AllowedMethods: METHODS,
  Compress: true,
  CachePolicyId: cachePolicyId,
  OriginRequestPolicyId: originRequestPolicyId,
  ResponseHeadersPolicyId: '5cc3b908-e619-4b99-88e5-2cf7f45965bd',
});
const args = {
  names,
  origin: { kind: 's3' as const, bucketRegionalDomain: 'b1.s3.us-east-1.amazonaws.com', oacId: 'OAC1' },
  logsBucketDomain: 'logs.s3.amazonaws.com',
  callerReference: 'demo-ref-1',
  segmentSeconds: 4,
  cachePolicyIds: { playlists: 'CP-PL', segments: 'CP-SEG' },
  comment: 'livestream demo (us-east-1)',
};

describe('buildDistributionConfig', () => {
  it('S3 origin through OAC, HTTPS, short playlists, long segments, errors cached 1 s, logs', () => {
    expect(cf.buildDistributionConfig(args)).toEqual({
      CallerReference: 'demo-ref-1',
      Comment: 'livestream demo (us-east-1)',
      Enabled: true,
      Origins: {
        Quantity: 1,
        Items: [{ Id: 'livestream-origin', DomainName: 'b1.s3.us-east-1.amazonaws.com', OriginPath: '', OriginAccessControlId: 'OAC1', S3OriginConfig: { OriginAccessIdentity: '' } }],
      },
      DefaultCacheBehavior: behaviour('CP-SEG'),
      CacheBehaviors: { Quantity: 2, Items: [{ PathPattern: '*.m3u8', ...behaviour('CP-PL') }, { PathPattern: 'player/*', ...behaviour('CP-PL') }] },
      CustomErrorResponses: {
        Quantity: 11,
        Items: [400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504].map((ErrorCode) => ({ ErrorCode, ErrorCachingMinTTL: 1 })),
      },
      Logging: { Enabled: true, IncludeCookies: false, Bucket: 'logs.s3.amazonaws.com', Prefix: 'cloudfront/' },
      // The reference solutions set no price class: CloudFront's default, every edge location.
      PriceClass: 'PriceClass_All',
      HttpVersion: 'http2and3',
      IsIPV6Enabled: true,
      ViewerCertificate: { CloudFrontDefaultCertificate: true, MinimumProtocolVersion: 'TLSv1' },
      Restrictions: { GeoRestriction: { RestrictionType: 'none', Quantity: 0 } },
    });
  });

  it('MediaStore origin: HTTPS-only custom origin with the custom-origin CORS policy', () => {
    const c = cf.buildDistributionConfig({ ...args, origin: { kind: 'mediastore', endpointHost: 'abcd.data.mediastore.us-east-1.amazonaws.com', oacId: 'OAC2' } });
    expect(c.Origins!.Items![0]).toEqual({
      Id: 'livestream-origin',
      DomainName: 'abcd.data.mediastore.us-east-1.amazonaws.com',
      OriginPath: '',
      OriginAccessControlId: 'OAC2',
      CustomOriginConfig: {
        HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'https-only',
        OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] }, OriginReadTimeout: 30, OriginKeepaliveTimeout: 5,
      },
    });
    expect(c.DefaultCacheBehavior).toEqual(behaviour('CP-SEG', '59781a5b-3903-41f3-afcb-af62929ccde1'));
  });

  it('takes explicit policy ids over the managed ones, and carries tags', () => {
    const c = cf.buildDistributionConfigWithTags({ ...args, originRequestPolicyId: 'ORP', responseHeadersPolicyId: 'RHP' });
    expect(c.DistributionConfig!.DefaultCacheBehavior).toMatchObject({ OriginRequestPolicyId: 'ORP', ResponseHeadersPolicyId: 'RHP' });
    expect(c.Tags).toEqual({ Items: [{ Key: 'livestream:stack', Value: 'demo' }] });
  });
});

describe('the player behaviours and the price class', () => {
  const FN = 'arn:aws:cloudfront::123456789012:function/demo-us-east-1-player-index';

  it('runs the player function on viewer requests for /player/* and /player', () => {
    const c = cf.buildDistributionConfig({ ...args, playerFunctionArn: FN });
    const association = { Quantity: 1, Items: [{ FunctionARN: FN, EventType: 'viewer-request' }] };
    expect(c.CacheBehaviors).toEqual({
      Quantity: 3,
      Items: [
        { PathPattern: '*.m3u8', ...behaviour('CP-PL') },
        { PathPattern: 'player/*', ...behaviour('CP-PL'), FunctionAssociations: association },
        { PathPattern: 'player', ...behaviour('CP-PL'), FunctionAssociations: association },
      ],
    });
    // Segments and playlists do not pay for a function invocation.
    expect(c.DefaultCacheBehavior).not.toHaveProperty('FunctionAssociations');
  });

  it.each([['100', 'PriceClass_100'], ['200', 'PriceClass_200'], ['All', 'PriceClass_All'], [undefined, 'PriceClass_All']] as const)(
    '--price-class %s is %s',
    (name, priceClass) => {
      expect(cf.cloudFrontPriceClass(name)).toBe(priceClass);
      expect(cf.buildDistributionConfig({ ...args, priceClass: cf.cloudFrontPriceClass(name) }).PriceClass).toBe(priceClass);
    },
  );

  it('disabling also drops every function association, and keeps the rest', () => {
    const enabled = cf.buildDistributionConfig({ ...args, playerFunctionArn: FN });
    const disabled = cf.buildDisabledDistributionConfig(enabled);
    expect(disabled.Enabled).toBe(false);
    expect(JSON.stringify(disabled)).not.toContain(FN);
    expect(disabled.CacheBehaviors!.Items!.map((b) => b.FunctionAssociations)).toEqual([
      { Quantity: 0, Items: [] }, { Quantity: 0, Items: [] }, { Quantity: 0, Items: [] },
    ]);
    expect({ ...disabled, Enabled: true, DefaultCacheBehavior: enabled.DefaultCacheBehavior, CacheBehaviors: enabled.CacheBehaviors }).toEqual(enabled);
  });
});

describe('cache policies', () => {
  it.each([
    [4, { min: 0, default: 2, max: 2 }],
    [6, { min: 0, default: 3, max: 3 }],
    [1, { min: 0, default: 1, max: 1 }],
  ])('%s s segments: playlists cached at most half a segment', (seconds, playlists) => {
    const t = cf.cacheTtls(seconds);
    expect(t.playlists).toEqual(playlists);
    expect(t.segments).toEqual({ min: 0, default: 86400, max: 604800 });
  });

  it('forwards and keys on the Origin header', () => {
    expect(cf.buildCachePolicyConfig('demo-us-east-1-playlists', { min: 0, default: 2, max: 2 })).toEqual({
      Name: 'demo-us-east-1-playlists',
      Comment: 'livestream: Origin header in the cache key for CORS',
      MinTTL: 0,
      DefaultTTL: 2,
      MaxTTL: 2,
      ParametersInCacheKeyAndForwardedToOrigin: {
        EnableAcceptEncodingGzip: true,
        EnableAcceptEncodingBrotli: true,
        HeadersConfig: { HeaderBehavior: 'whitelist', Headers: { Quantity: 1, Items: ['Origin'] } },
        CookiesConfig: { CookieBehavior: 'none' },
        QueryStringsConfig: { QueryStringBehavior: 'none' },
      },
    });
  });
});

describe('buildOacConfig', () => {
  it('always signs with SigV4 for S3', () => {
    expect(cf.buildOacConfig(names)).toEqual({
      Name: 'demo-us-east-1-oac',
      Description: 'livestream demo: CloudFront reads demo-origin-123456789012-us-east-1',
      SigningProtocol: 'sigv4',
      SigningBehavior: 'always',
      OriginAccessControlOriginType: 's3',
    });
    expect(cf.buildOacConfig(names, 'mediastore').OriginAccessControlOriginType).toBe('mediastore');
  });

  it('distribution ARN', () => {
    expect(cf.distributionArn('123456789012', 'E1')).toBe('arn:aws:cloudfront::123456789012:distribution/E1');
  });
});
