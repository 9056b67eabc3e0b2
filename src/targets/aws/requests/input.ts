/**
 * MediaLive CreateInputSecurityGroup and CreateInput requests, per input type (FACTS.md §1). Pure.
 */
import type { CreateInputRequest, CreateInputSecurityGroupRequest } from '@aws-sdk/client-medialive';
import { PUSH_INPUTS, SRT_INPUTS, type StackSpec } from '../../../core/spec.js';
import { LivestreamError } from '../../../core/errors.js';
import type { ResourceNames } from './names.js';

export function buildCreateInputSecurityGroupRequest(spec: StackSpec, names: ResourceNames): CreateInputSecurityGroupRequest {
  return {
    WhitelistRules: spec.cidrs.map((Cidr) => ({ Cidr })),
    Tags: names.tags,
  };
}

/**
 * Push inputs need the security group; URL_PULL, INPUT_DEVICE and SRT_CALLER (a pull input: "You
 * don't use an input security group with an SRT input", MediaLive UG input-caller-srt) take none.
 * SRT_LISTENER is a push input and "must use an input security group" (UG input-listener-srt).
 */
export function needsSecurityGroup(spec: Pick<StackSpec, 'input'>): boolean {
  return PUSH_INPUTS.includes(spec.input);
}

/**
 * An SRT input with a passphrase keeps it in Secrets Manager, where MediaLive reads it. SRT_LISTENER
 * always has one (MediaLive requires encryption for it); SRT_CALLER when the user's listener encrypts.
 */
export function needsSrtSecret(spec: Pick<StackSpec, 'input' | 'srt'>): boolean {
  return SRT_INPUTS.includes(spec.input) && spec.srt !== undefined && spec.srt.passphrase !== 'none';
}

/**
 * The AES key length MediaLive decrypts with. AES128: the UG advises the lowest when unsure, and the
 * sender's longer key wins anyway ("MediaLive will always agree to that higher length", UG
 * input-listener-srt-setup; for SRT_CALLER the user's listener is the SRT responder, whose pbkeylen wins).
 */
export const SRT_ALGORITHM = 'AES128';

/** The stream id an SRT_LISTENER input tells the encoder to send (MediaLive only logs it). */
export function srtListenerStreamId(spec: Pick<StackSpec, 'srt'>, names: Pick<ResourceNames, 'stack'>): string {
  return spec.srt?.streamId ?? names.stack;
}

export function buildCreateInputRequest(a: {
  spec: StackSpec;
  names: ResourceNames;
  securityGroupId?: string;
  /** The SSM parameter holding the source password, when there is one. */
  parameterName?: string;
  /** The Secrets Manager secret (its full ARN) holding the SRT passphrase, when there is one. */
  srtSecretArn?: string;
  requestId: string;
}): CreateInputRequest {
  const { spec, names } = a;
  const base: CreateInputRequest = { Name: names.inputName, Type: spec.input, RequestId: a.requestId, Tags: names.tags };
  switch (spec.input) {
    case 'RTP_PUSH':
      return { ...base, InputSecurityGroups: [requireSg(a.securityGroupId, spec.input)] };
    case 'RTMP_PUSH':
      // A single-pipeline channel uses one destination; the encoder pushes to rtmp://<ip>:1935/<stack>/stream.
      return {
        ...base,
        InputSecurityGroups: [requireSg(a.securityGroupId, spec.input)],
        Destinations: [{ StreamName: `${names.stack}/stream` }],
      };
    case 'URL_PULL': {
      if (!spec.sourceUrl) throw new LivestreamError('SPEC_INVALID', 'URL_PULL needs a source URL', { hint: 'pass --source-url https://.../index.m3u8' });
      return {
        ...base,
        Sources: [
          {
            Url: spec.sourceUrl,
            ...(spec.sourceUser ? { Username: spec.sourceUser } : {}),
            ...(spec.sourcePassword && a.parameterName ? { PasswordParam: a.parameterName } : {}),
          },
        ],
      };
    }
    case 'INPUT_DEVICE':
      if (!spec.deviceId) throw new LivestreamError('SPEC_INVALID', 'INPUT_DEVICE needs a device id', { hint: 'pass --device-id hd-...' });
      return { ...base, InputDevices: [{ Id: spec.deviceId }] };
    case 'SRT_LISTENER': {
      const srt = requireSrt(spec);
      // No Destinations: CreateInput has no input class for SRT_LISTENER; MediaLive gives a standard
      // input two srt://<ip>:5050 endpoints, and our single-pipeline channel reads the first
      // (a single-pipeline channel takes standard-class inputs: UG class-channel-input).
      return {
        ...base,
        InputSecurityGroups: [requireSg(a.securityGroupId, spec.input)],
        SrtSettings: {
          SrtListenerSettings: {
            // Both required (botocore medialive SrtListenerSettingsRequest): MediaLive refuses an unencrypted listener.
            MinimumLatency: srt.latencyMs,
            StreamId: srtListenerStreamId(spec, names),
            Decryption: { Algorithm: SRT_ALGORITHM, PassphraseSecretArn: requireSecret(a.srtSecretArn, spec.input) },
          },
        },
      };
    }
    case 'SRT_CALLER': {
      const srt = requireSrt(spec);
      const listener = srtListenerOf(spec.sourceUrl);
      // One source makes a single-pipeline input ("For a single-pipeline input, include one
      // srtCallerSource", api-models-aws medialive SrtSettingsRequest); no security group (a pull input).
      return {
        ...base,
        SrtSettings: {
          SrtCallerSources: [
            {
              SrtListenerAddress: listener.address,
              SrtListenerPort: listener.port,
              MinimumLatency: srt.latencyMs,
              ...(srt.streamId ? { StreamId: srt.streamId } : {}),
              ...(srt.passphrase !== 'none' ? { Decryption: { Algorithm: SRT_ALGORITHM, PassphraseSecretArn: requireSecret(a.srtSecretArn, spec.input) } } : {}),
            },
          ],
        },
      };
    }
  }
}

/** The user's SRT listener from --source-url (checked by the spec: srt://<IPv4>:<port>[?streamid=...]). */
export function srtListenerOf(url: string | undefined): { address: string; port: string } {
  if (!url) throw new LivestreamError('SPEC_INVALID', 'SRT_CALLER needs the address of your SRT listener', { hint: 'pass --source-url srt://203.0.113.7:9000' });
  const parsed = new URL(url);
  // SrtListenerPort is a string in the API (botocore medialive SrtCallerSourceRequest).
  return { address: parsed.hostname, port: parsed.port };
}

function requireSrt(spec: StackSpec): NonNullable<StackSpec['srt']> {
  if (!spec.srt) throw new LivestreamError('INTERNAL', `${spec.input} input has no SRT settings in its spec`);
  return spec.srt;
}

function requireSecret(arn: string | undefined, input: string): string {
  if (!arn) throw new LivestreamError('INTERNAL', `${input} input needs its passphrase secret to be created first`);
  return arn;
}

function requireSg(id: string | undefined, input: string): string {
  if (!id) throw new LivestreamError('INTERNAL', `${input} input needs its security group to be created first`);
  return id;
}
