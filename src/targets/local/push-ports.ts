/** Push inputs listen on MediaLive's usual ports unless the environment says otherwise (tests, clashes). */
export function pushPorts(env: NodeJS.ProcessEnv): { rtmpPort: number; rtpPort: number } {
  return {
    rtmpPort: env.LIVESTREAM_RTMP_PORT ? Number(env.LIVESTREAM_RTMP_PORT) : 1935,
    rtpPort: env.LIVESTREAM_RTP_PORT ? Number(env.LIVESTREAM_RTP_PORT) : 5000,
  };
}
