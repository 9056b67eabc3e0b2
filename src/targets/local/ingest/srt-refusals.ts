/**
 * Counts SRT handshakes refused for their passphrase, from the decoder's log (libsrt says so only
 * there: ffmpeg's SRT input exposes no counter). `status` shows the count beside the CIDR refusals.
 */
import { isPassphraseRefusal } from './srt-args.js';

export class PassphraseRefusals {
  count = 0;
  /** When the last one was seen (ISO time). */
  last?: string;

  constructor(private readonly label: string, private readonly log: (line: string) => void, private readonly now: () => number = Date.now) {}

  /** Takes one decoder log line. */
  watch(line: string): void {
    if (!isPassphraseRefusal(line)) return;
    this.count++;
    this.last = new Date(this.now()).toISOString();
    this.log(`${this.label}: a handshake was refused for its passphrase (${this.count} so far): the encoder's passphrase differs from the stack's`);
  }

  /** The ingest state's fields. */
  state(): { refusedPassphrase: number; lastRefusedPassphrase?: string } {
    return { refusedPassphrase: this.count, ...(this.last ? { lastRefusedPassphrase: this.last } : {}) };
  }
}
