/**
 * The user's links after `up`, from the recorded resources. Pure.
 */
import type { ResourceRecord } from '../../core/state.js';
import type { StackOutputs } from '../../core/target.js';
import type { ResourceNames } from './build/names.js';

export function buildOutputs(names: ResourceNames, resources: Record<string, ResourceRecord>, origin: 's3' | 'mediastore'): StackOutputs {
  const r = names.region;
  const out: StackOutputs = {};
  const dist = resources.distribution;
  const domain = dist?.attrs.domainName;
  if (typeof domain === 'string' && domain) {
    out.playbackUrl = `https://${domain}/stream/index.m3u8`;
    out.playerUrl = `https://${domain}/player/`;
    out.cloudfrontConsole = `https://us-east-1.console.aws.amazon.com/cloudfront/v4/home#/distributions/${dist!.physicalId}`;
  }
  const endpoints = resources.input?.attrs.endpoints;
  if (Array.isArray(endpoints) && endpoints.length > 0) out.pushEndpoint = endpoints.join(' ');
  if (resources.dashboard) out.dashboardUrl = `https://${r}.console.aws.amazon.com/cloudwatch/home?region=${r}#dashboards:name=${encodeURIComponent(resources.dashboard.physicalId)}`;
  if (resources.channel?.physicalId) out.channelConsole = `https://${r}.console.aws.amazon.com/medialive/home?region=${r}#/channels/${resources.channel.physicalId}`;
  const o = resources.origin;
  if (o) {
    out.originConsole = origin === 's3'
      ? `https://s3.console.aws.amazon.com/s3/buckets/${o.physicalId}?region=${r}`
      : `https://${r}.console.aws.amazon.com/mediastore/home/containers/${o.physicalId}?region=${r}`;
  }
  if (resources['logs-bucket']) out.logsBucket = resources['logs-bucket'].physicalId;
  return out;
}
