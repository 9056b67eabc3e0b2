/**
 * A capped, rotated log file for ffmpeg's stderr: when it passes `maxBytes` it becomes `<file>.1`
 * (replacing the previous one) and a new file starts, so a week-long event cannot fill the disk.
 */
import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';

export interface LineSink {
  write(line: string): void;
}

export function openLogFile(file: string, maxBytes = 5 * 1024 * 1024): LineSink {
  mkdirSync(path.dirname(file), { recursive: true });
  let size = 0;
  try {
    size = statSync(file).size;
  } catch {
    size = 0;
  }
  return {
    write(line: string): void {
      const text = line.endsWith('\n') ? line : `${line}\n`;
      if (size + text.length > maxBytes) {
        try {
          renameSync(file, `${file}.1`);
        } catch {
          // nothing to rotate yet
        }
        size = 0;
      }
      try {
        appendFileSync(file, text, { mode: 0o600 });
        size += Buffer.byteLength(text);
      } catch {
        // a log that cannot be written must not stop the channel
      }
    },
  };
}

export const NULL_SINK: LineSink = { write: () => undefined };
