/**
 * The address to show people, in the push endpoints (rtmp://, rtp://) and the player, dashboard and
 * playback URLs. Pure: the listen address and the machine's interfaces come in. A wildcard listen
 * address (0.0.0.0, ::) is shown as the first external IPv4 address, as that is what a publisher or
 * viewer elsewhere on the network must type; an IPv6 address is bracketed for a URL.
 */
import type { NetworkInterfaceInfo } from 'node:os';

export function chooseDisplayHost(listen: string, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string {
  let host = listen;
  if (listen === '0.0.0.0' || listen === '::') {
    const external = Object.values(interfaces)
      .flatMap((list) => list ?? [])
      .find((i) => i.family === 'IPv4' && !i.internal);
    host = external?.address ?? '127.0.0.1';
  }
  return host.includes(':') ? `[${host}]` : host;
}
