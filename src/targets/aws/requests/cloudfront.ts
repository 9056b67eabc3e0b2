/**
 * The CloudFront distribution, its cache policies and origin access control. Pure.
 * TTLs follow the live-HLS advice (FACTS.md §2): playlists at most half a segment, segments long.
 * Errors are cached 1 s, as AWS's S3 solution does, so a 404 before the first segment clears fast.
 */
import type {
  CachePolicyConfig,
  CacheBehavior,
  DefaultCacheBehavior,
  DistributionConfig,
  DistributionConfigWithTags,
  Origin,
  OriginAccessControlConfig,
  PriceClass,
} from '@aws-sdk/client-cloudfront';
import type { PriceClassName } from '../../../core/spec.js';
import type { ResourceNames } from './names.js';
import { playerFunctionAssociations } from './player-function.js';

/**
 * What the reference solutions use: neither sets a price class, so CloudFront's default applies,
 * PriceClass_All (every edge location; viewers far from North America and Europe are served
 * nearby, at a higher price per GB there).
 */
export const DEFAULT_PRICE_CLASS: PriceClass = 'PriceClass_All';

/** --price-class 100 | 200 | All as CloudFront names it. */
export function cloudFrontPriceClass(name: PriceClassName | undefined): PriceClass {
  return name ? (`PriceClass_${name}` as PriceClass) : DEFAULT_PRICE_CLASS;
}

/** AWS-managed policies (ids are the same in every account). */
export const MANAGED_POLICIES = {
  /** Response headers policy "Managed-CORS-With-Preflight". */
  corsWithPreflight: '5cc3b908-e619-4b99-88e5-2cf7f45965bd',
  /** Origin request policy "Managed-CORS-S3Origin". */
  corsS3Origin: '88a5eaf4-2fd4-4709-b370-b4c650ea3fcf',
  /** Origin request policy "Managed-CORS-CustomOrigin" (MediaStore is a custom origin). */
  corsCustomOrigin: '59781a5b-3903-41f3-afcb-af62929ccde1',
} as const;

export const ORIGIN_ID = 'livestream-origin';
export const ERROR_CODES = [400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504];

export interface Ttls {
  min: number;
  default: number;
  max: number;
}

const DAY = 86_400;

/** Playlists change every segment: cache at most half a segment. Segments never change: days. */
export function cacheTtls(segmentSeconds: number): { playlists: Ttls; segments: Ttls } {
  const half = Math.max(1, Math.floor(segmentSeconds / 2));
  return {
    playlists: { min: 0, default: half, max: half },
    segments: { min: 0, default: DAY, max: 7 * DAY },
  };
}

/** Forwards the Origin header (and keys the cache on it) so CORS responses are right per origin. */
export function buildCachePolicyConfig(name: string, ttl: Ttls): CachePolicyConfig {
  return {
    Name: name,
    Comment: 'livestream: Origin header in the cache key for CORS',
    MinTTL: ttl.min,
    DefaultTTL: ttl.default,
    MaxTTL: ttl.max,
    ParametersInCacheKeyAndForwardedToOrigin: {
      EnableAcceptEncodingGzip: true,
      EnableAcceptEncodingBrotli: true,
      HeadersConfig: { HeaderBehavior: 'whitelist', Headers: { Quantity: 1, Items: ['Origin'] } },
      CookiesConfig: { CookieBehavior: 'none' },
      QueryStringsConfig: { QueryStringBehavior: 'none' },
    },
  };
}

export function buildOacConfig(names: ResourceNames, kind: 's3' | 'mediastore' = 's3'): OriginAccessControlConfig {
  const what = kind === 's3' ? names.originBucket : `container ${names.containerName}`;
  return {
    Name: names.oacName,
    Description: `livestream ${names.stack}: CloudFront reads ${what}`,
    SigningProtocol: 'sigv4',
    SigningBehavior: 'always',
    OriginAccessControlOriginType: kind,
  };
}

export type DistributionOrigin =
  | { kind: 's3'; bucketRegionalDomain: string; oacId: string }
  | { kind: 'mediastore'; endpointHost: string; oacId?: string };

export interface DistributionArgs {
  names: ResourceNames;
  origin: DistributionOrigin;
  logsBucketDomain: string;
  callerReference: string;
  segmentSeconds: number;
  cachePolicyIds: { playlists: string; segments: string };
  originRequestPolicyId?: string;
  responseHeadersPolicyId?: string;
  comment: string;
  /** The published player-index function (build/player-function.ts); absent on stacks made before it. */
  playerFunctionArn?: string;
  priceClass?: PriceClass;
}

export function buildDistributionConfig(a: DistributionArgs): DistributionConfig {
  const originRequestPolicyId =
    a.originRequestPolicyId ?? (a.origin.kind === 's3' ? MANAGED_POLICIES.corsS3Origin : MANAGED_POLICIES.corsCustomOrigin);
  const responseHeadersPolicyId = a.responseHeadersPolicyId ?? MANAGED_POLICIES.corsWithPreflight;
  const behaviour = (cachePolicyId: string) => ({
    TargetOriginId: ORIGIN_ID,
    ViewerProtocolPolicy: 'redirect-to-https' as const,
    AllowedMethods: {
      Quantity: 3,
      Items: ['GET' as const, 'HEAD' as const, 'OPTIONS' as const],
      CachedMethods: { Quantity: 2, Items: ['GET' as const, 'HEAD' as const] },
    },
    Compress: true,
    CachePolicyId: cachePolicyId,
    OriginRequestPolicyId: originRequestPolicyId,
    ResponseHeadersPolicyId: responseHeadersPolicyId,
  });
  const defaultBehaviour: DefaultCacheBehavior = behaviour(a.cachePolicyIds.segments);
  // The player page is re-uploaded by `up`: keep it short-lived like the playlists. Its function
  // maps /player/ to player/index.html (S3 has no index documents) and /player to /player/.
  const player = (PathPattern: string): CacheBehavior => ({
    PathPattern,
    ...behaviour(a.cachePolicyIds.playlists),
    ...(a.playerFunctionArn ? { FunctionAssociations: playerFunctionAssociations(a.playerFunctionArn) } : {}),
  });
  const pathBehaviours: CacheBehavior[] = [
    { PathPattern: '*.m3u8', ...behaviour(a.cachePolicyIds.playlists) },
    player('player/*'),
    ...(a.playerFunctionArn ? [player('player')] : []),
  ];
  return {
    CallerReference: a.callerReference,
    Comment: a.comment,
    Enabled: true,
    Origins: { Quantity: 1, Items: [buildOrigin(a.origin)] },
    DefaultCacheBehavior: defaultBehaviour,
    CacheBehaviors: { Quantity: pathBehaviours.length, Items: pathBehaviours },
    CustomErrorResponses: {
      Quantity: ERROR_CODES.length,
      Items: ERROR_CODES.map((ErrorCode) => ({ ErrorCode, ErrorCachingMinTTL: 1 })),
    },
    Logging: { Enabled: true, IncludeCookies: false, Bucket: a.logsBucketDomain, Prefix: 'cloudfront/' },
    PriceClass: a.priceClass ?? DEFAULT_PRICE_CLASS,
    HttpVersion: 'http2and3',
    IsIPV6Enabled: true,
    ViewerCertificate: { CloudFrontDefaultCertificate: true, MinimumProtocolVersion: 'TLSv1' },
    Restrictions: { GeoRestriction: { RestrictionType: 'none', Quantity: 0 } },
  };
}

/**
 * The config a disable sends: Enabled false and no function associations, so the player function
 * can be deleted as soon as this update has deployed (CloudFront refuses to delete a function a
 * distribution still names: FunctionInUse), even if the distribution itself stays.
 */
export function buildDisabledDistributionConfig(current: DistributionConfig): DistributionConfig {
  const strip = <B extends { FunctionAssociations?: unknown }>(b: B): B => ({ ...b, FunctionAssociations: { Quantity: 0, Items: [] } });
  return {
    ...current,
    Enabled: false,
    ...(current.DefaultCacheBehavior ? { DefaultCacheBehavior: strip(current.DefaultCacheBehavior) } : {}),
    ...(current.CacheBehaviors ? { CacheBehaviors: { ...current.CacheBehaviors, Items: (current.CacheBehaviors.Items ?? []).map(strip) } } : {}),
  };
}

export function buildDistributionConfigWithTags(a: DistributionArgs): DistributionConfigWithTags {
  return { DistributionConfig: buildDistributionConfig(a), Tags: { Items: a.names.tagList } };
}

function buildOrigin(origin: DistributionOrigin): Origin {
  if (origin.kind === 's3') {
    return {
      Id: ORIGIN_ID,
      DomainName: origin.bucketRegionalDomain,
      OriginPath: '',
      OriginAccessControlId: origin.oacId,
      // With OAC the legacy identity must be present and empty.
      S3OriginConfig: { OriginAccessIdentity: '' },
    };
  }
  return {
    Id: ORIGIN_ID,
    DomainName: origin.endpointHost,
    OriginPath: '',
    ...(origin.oacId ? { OriginAccessControlId: origin.oacId } : {}),
    CustomOriginConfig: {
      HTTPPort: 80,
      HTTPSPort: 443,
      OriginProtocolPolicy: 'https-only',
      OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] },
      OriginReadTimeout: 30,
      OriginKeepaliveTimeout: 5,
    },
  };
}

export function distributionArn(accountId: string, distributionId: string, partition = 'aws'): string {
  return `arn:${partition}:cloudfront::${accountId}:distribution/${distributionId}`;
}
