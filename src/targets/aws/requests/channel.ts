/**
 * The MediaLive CreateChannel request. Pure: everything it needs is passed in.
 */
import type { CreateChannelRequest, InputSettings, InputSpecification } from '@aws-sdk/client-medialive';
import type { Ladder, Rendition } from '../../../core/ladder.js';
import type { StackSpec } from '../../../core/spec.js';
import { buildEncoderSettings, DESTINATION_ID } from './encoder-settings.js';
import type { ResourceNames } from './names.js';
import { RECORDINGS_DESTINATION_ID } from './recording.js';

export type OriginLocation = { kind: 's3'; bucket: string } | { kind: 'mediastore'; endpoint: string };

/**
 * Where MediaLive writes the HLS output: `s3ssl://<bucket>/stream/index` or
 * `mediastoressl://<endpoint host>/stream/index`. "index" is the master playlist's base name,
 * so players open `/stream/index.m3u8`.
 */
export function destinationUrl(origin: OriginLocation): string {
  if (origin.kind === 's3') return `s3ssl://${origin.bucket}/stream/index`;
  // DescribeContainer returns the endpoint as https://xxxx.data.mediastore.<region>.amazonaws.com
  const host = origin.endpoint.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
  return `mediastoressl://${host}/stream/index`;
}

/**
 * MediaLive bills the input by class (SD/HD/UHD) and its maximum bitrate; the reference picks
 * them from the profile: HD/20 Mb/s for 1080p, HD/10 for 720p, SD/10 for 540p.
 */
export function inputSpecification(ladder: Ladder): InputSpecification {
  const top = ladder.renditions[0]!;
  const resolution = top.height > 1080 ? 'UHD' : top.height >= 720 ? 'HD' : 'SD';
  const maximumBitrate = top.height > 720 ? 'MAX_20_MBPS' : 'MAX_10_MBPS';
  return { Codec: 'AVC', Resolution: resolution, MaximumBitrate: maximumBitrate };
}

export function buildCreateChannelRequest(a: {
  names: ResourceNames;
  ladder: Ladder;
  spec: StackSpec;
  inputId: string;
  inputAttachmentName: string;
  roleArn: string;
  destinationUrl: string;
  requestId: string;
  /** The recorded rendition and where its archive goes (#13); absent: nothing is recorded. */
  recording?: { rendition: Rendition; destinationUrl: string };
}): CreateChannelRequest {
  const kind = a.destinationUrl.startsWith('mediastoressl://') ? 'mediastore' : 's3';
  // URL_PULL sources are often finite (a VOD playlist used as a test source): loop instead of going black.
  const inputSettings: InputSettings = a.spec.input === 'URL_PULL' ? { SourceEndBehavior: 'LOOP' } : {};
  return {
    ChannelClass: 'SINGLE_PIPELINE',
    Destinations: [
      { Id: DESTINATION_ID, Settings: [{ Url: a.destinationUrl }] },
      ...(a.recording ? [{ Id: RECORDINGS_DESTINATION_ID, Settings: [{ Url: a.recording.destinationUrl }] }] : []),
    ],
    EncoderSettings: buildEncoderSettings(a.ladder, { kind }, a.recording?.rendition),
    InputAttachments: [{ InputAttachmentName: a.inputAttachmentName, InputId: a.inputId, InputSettings: inputSettings }],
    InputSpecification: inputSpecification(a.ladder),
    LogLevel: 'WARNING',
    Name: a.names.channelName,
    RequestId: a.requestId,
    RoleArn: a.roleArn,
    Tags: a.names.tags,
  };
}
