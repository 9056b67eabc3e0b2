/**
 * What both push gates (tcp-gate.ts for RTMP, udp-gate.ts for RTP) are given: they own the public
 * port, check every source against the CIDR allow-list, and pass what they admit to the decoder
 * ffmpeg on a loopback port.
 */
export interface GateOptions {
  host: string;
  port: number;
  cidrs: readonly string[];
  /** Where the decoder ffmpeg listens (loopback). */
  targetPort: number;
  /** Name used in log lines, e.g. "RTMP". */
  label: string;
  log: (line: string) => void;
}
