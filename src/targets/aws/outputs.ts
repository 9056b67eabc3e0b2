/**
 * The user's links after `up`, from the recorded resources. Pure.
 */
import type { ResourceRecord } from '../../core/state.js';
import type { StackOutputs } from '../../core/target.js';
import type { ResourceNames } from './requests/names.js';

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
  // A push input always has two addresses (one per pipeline of a STANDARD channel). Our channel
  // is SINGLE_PIPELINE and ingests only the first: printing the second would send an encoder to
  // an address nobody reads.
  if (Array.isArray(endpoints) && typeof endpoints[0] === 'string' && endpoints[0]) out.pushEndpoint = withStreamId(endpoints[0], resources.input?.attrs.streamId ?? (resources.input?.attrs.type === 'SRT_LISTENER' ? names.stack : undefined));
  // Where the SRT passphrase sits (never the passphrase: it stays in Secrets Manager).
  const secret = resources['srt-passphrase'];
  if (secret?.physicalId) {
    out.srtPassphraseSecret = secret.physicalId;
    // The encoder needs the passphrase: how to read it, with the user's own credentials, when needed.
    out.srtPassphraseRead = `aws secretsmanager get-secret-value --region ${r} --secret-id ${secret.physicalId} --query SecretString --output text`;
  }
  if (resources.dashboard) out.dashboardUrl = `https://${r}.console.aws.amazon.com/cloudwatch/home?region=${r}#dashboards:name=${encodeURIComponent(resources.dashboard.physicalId)}`;
  if (resources.channel?.physicalId) out.channelConsole = `https://${r}.console.aws.amazon.com/medialive/home?region=${r}#/channels/${resources.channel.physicalId}`;
  const o = resources.origin;
  if (o) {
    out.originConsole = origin === 's3'
      ? `https://s3.console.aws.amazon.com/s3/buckets/${o.physicalId}?region=${r}`
      : `https://${r}.console.aws.amazon.com/mediastore/home/containers/${o.physicalId}?region=${r}`;
  }
  if (resources['logs-bucket']) {
    out.logsBucket = resources['logs-bucket'].physicalId;
    // Only a stack in an opt-in region keeps it elsewhere (us-east-1): say where to look.
    if (names.logsBucketRegion !== r) out.logsBucketRegion = names.logsBucketRegion;
  }
  return out;
}

/** An SRT listener's srt://ip:5050 with the stream id the encoder sends, as encoders take it. */
function withStreamId(url: string, streamId: unknown): string {
  if (typeof streamId !== 'string' || !streamId || !url.startsWith('srt://')) return url;
  return `${url}${url.includes('?') ? '&' : '?'}streamid=${encodeURIComponent(streamId)}`;
}
