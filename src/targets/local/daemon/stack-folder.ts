/** Where a local stack keeps its files, all under `<state-dir>/<stack>/`. */
import path from 'node:path';

export interface StackLayout {
  root: string;
  /** The ingest credential, owner-only, never printed. */
  credential: string;
  /** SRT inputs: the AES passphrase, owner-only, never printed by the daemon. */
  srtPassphrase: string;
  /** The origin's objects. */
  store: string;
  /** Access logs, ffmpeg and daemon logs: the user's, kept by `down` unless --delete-logs. */
  logs: string;
  /** One folder per recorded run of the channel: the user's, kept by `down` unless --delete-recordings. */
  recordings: string;
  /** Scratch: the demo source's HLS files and the like. */
  work: string;
  /** The daemon's control socket. */
  socket: string;
  daemonLog: string;
}

export function stackLayout(stackDir: string): StackLayout {
  return {
    root: stackDir,
    credential: path.join(stackDir, 'credential'),
    srtPassphrase: path.join(stackDir, 'srt-passphrase'),
    store: path.join(stackDir, 'origin'),
    logs: path.join(stackDir, 'logs'),
    recordings: path.join(stackDir, 'recordings'),
    work: path.join(stackDir, 'work'),
    socket: path.join(stackDir, 'control.sock'),
    daemonLog: path.join(stackDir, 'logs', 'daemon.log'),
  };
}
