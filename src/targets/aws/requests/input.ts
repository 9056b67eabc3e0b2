/**
 * MediaLive CreateInputSecurityGroup and CreateInput requests, per input type (FACTS.md §1). Pure.
 */
import type { CreateInputRequest, CreateInputSecurityGroupRequest } from '@aws-sdk/client-medialive';
import type { StackSpec } from '../../../core/spec.js';
import { LivestreamError } from '../../../core/errors.js';
import type { ResourceNames } from './names.js';

export function buildCreateInputSecurityGroupRequest(spec: StackSpec, names: ResourceNames): CreateInputSecurityGroupRequest {
  return {
    WhitelistRules: spec.cidrs.map((Cidr) => ({ Cidr })),
    Tags: names.tags,
  };
}

/** Push inputs need the security group; URL_PULL and INPUT_DEVICE take none. */
export function needsSecurityGroup(spec: Pick<StackSpec, 'input'>): boolean {
  return spec.input === 'RTP_PUSH' || spec.input === 'RTMP_PUSH';
}

export function buildCreateInputRequest(a: {
  spec: StackSpec;
  names: ResourceNames;
  securityGroupId?: string;
  /** The SSM parameter holding the source password, when there is one. */
  parameterName?: string;
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
  }
}

function requireSg(id: string | undefined, input: string): string {
  if (!id) throw new LivestreamError('INTERNAL', `${input} input needs its security group to be created first`);
  return id;
}
