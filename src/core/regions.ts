/**
 * Which AWS regions a stack can live in, and what to suggest instead. Pure data.
 *
 * MediaLive's regions are AWS's published endpoint data for the service (botocore 1.43.11,
 * data/endpoints.json, partition "aws", service "medialive", FIPS aliases left out; the same list as
 * https://docs.aws.amazon.com/general/latest/gr/medialive_region.html). us-west-1 is not one of them.
 */

export const MEDIALIVE_ENDPOINT_REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-2', 'ca-central-1', 'sa-east-1',
  'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1',
  'ap-south-1', 'ap-south-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
  'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-4', 'ap-southeast-5',
  'me-central-1',
] as const;

/**
 * The opt-in regions: an account uses them only once enabled (until then AWS refuses the
 * credentials there, as InvalidClientTokenId "The security token included in the request is
 * invalid"). CloudFront does not deliver standard (legacy) access logs to S3 buckets in them
 * ("Choose an Amazon S3 bucket for standard logs", CloudFront Developer Guide).
 * A stack in one of them keeps its logs bucket in us-east-1 instead, as AWS's own solutions do
 * "because CloudFront doesn't deliver access logs to buckets in the supported opt-in Regions"
 * (docs.aws.amazon.com/solutions/latest/dynamic-image-transformation-for-amazon-cloudfront/opt-in-regions.html).
 */
export const OPT_IN_REGIONS: ReadonlySet<string> = new Set([
  'af-south-1', 'ap-east-1', 'ap-east-2', 'ap-south-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5',
  'ap-southeast-6', 'ap-southeast-7', 'ca-west-1', 'eu-central-2', 'eu-south-1', 'eu-south-2', 'il-central-1',
  'me-central-1', 'me-south-1', 'mx-central-1',
]);

/** The same set, named for the reason the logs bucket moves. */
export const CLOUDFRONT_NO_LOG_REGIONS = OPT_IN_REGIONS;

/** Where CloudFront can deliver logs for a stack in `region`: the region itself, or us-east-1 for an opt-in region. */
export const LOGS_FALLBACK_REGION = 'us-east-1';
export function logsBucketRegion(region: string): string {
  return CLOUDFRONT_NO_LOG_REGIONS.has(region) ? LOGS_FALLBACK_REGION : region;
}

/** Regions a livestream AWS stack can be created in: every region MediaLive runs in. */
export const STACK_REGIONS: readonly string[] = MEDIALIVE_ENDPOINT_REGIONS;

/** For a region a stack cannot use, the nearest ones it can, closest first. */
const NEAREST: Record<string, string[]> = {
  'us-west-1': ['us-west-2', 'us-east-2'],
  'ca-west-1': ['us-west-2', 'ca-central-1'],
  'mx-central-1': ['us-east-2', 'us-west-2'],
  'eu-central-2': ['eu-central-1', 'eu-west-3'],
  'eu-south-1': ['eu-central-1', 'eu-west-3'],
  'eu-south-2': ['eu-west-3', 'eu-west-1'],
  'il-central-1': ['eu-central-1', 'ap-south-1'],
  'me-south-1': ['me-central-1', 'ap-south-1'],
  'af-south-1': ['eu-west-1', 'sa-east-1'],
  'ap-east-1': ['ap-southeast-1', 'ap-northeast-1'],
  'ap-east-2': ['ap-northeast-1', 'ap-southeast-1'],
  'ap-southeast-3': ['ap-southeast-1', 'ap-southeast-2'],
  'ap-southeast-6': ['ap-southeast-2', 'ap-southeast-1'],
  'ap-southeast-7': ['ap-southeast-1', 'ap-south-1'],
};

/** Why a region cannot hold a stack (undefined when it can), and the regions to use instead. */
export function checkStackRegion(region: string): { message: string; fix: string } | undefined {
  if (STACK_REGIONS.includes(region)) return undefined;
  const nearest = NEAREST[region] ?? nearestByPrefix(region);
  const fix = nearest.length > 0
    ? `use the nearest supported region: --region ${nearest.join(' or --region ')} (supported: ${STACK_REGIONS.join(', ')})`
    : `use one of ${STACK_REGIONS.join(', ')}`;
  return { message: `MediaLive has no endpoint in ${region}`, fix };
}

/** Unknown region: the supported ones on the same continent prefix ("eu-", "ap-"...). */
function nearestByPrefix(region: string): string[] {
  const prefix = region.split('-')[0];
  return STACK_REGIONS.filter((r) => r.split('-')[0] === prefix).slice(0, 2);
}
