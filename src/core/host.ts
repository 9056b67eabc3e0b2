/**
 * The engine never writes to the terminal: everything it says goes through a Host, which the
 * CLI (spinners on a terminal, plain lines otherwise), --json runs and tests each implement.
 */
import type { NoticeCode } from './notices.js';

export type NoticeLevel = 'info' | 'warn' | 'success';

export interface Notice {
  level: NoticeLevel;
  /** Stable code for tests and --json, from the one list in notices.ts. */
  code: NoticeCode;
  message: string;
  details?: Record<string, unknown>;
}

/** A long wait with a visible indicator (ora on a terminal). */
export interface Progress {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  /** End the wait without a line of its own (a notice follows that says how it ended). */
  done(): void;
}

export interface Host {
  notify(notice: Notice): void;
  progress(text: string): Progress;
  /** Ask a yes/no question; hosts without a terminal answer from --yes. */
  confirm(question: string): Promise<boolean>;
}

/** A host that records everything: for tests and for non-interactive library use. */
export class RecordingHost implements Host {
  readonly notices: Notice[] = [];
  readonly progressLog: string[] = [];
  constructor(private readonly answer = true) {}
  notify(notice: Notice): void {
    this.notices.push(notice);
  }
  progress(text: string): Progress {
    this.progressLog.push(`start: ${text}`);
    return {
      update: (t) => this.progressLog.push(`update: ${t}`),
      succeed: (t) => this.progressLog.push(`succeed: ${t ?? text}`),
      fail: (t) => this.progressLog.push(`fail: ${t ?? text}`),
      done: () => this.progressLog.push(`done: ${text}`),
    };
  }
  async confirm(): Promise<boolean> {
    return this.answer;
  }
  codes(): NoticeCode[] {
    return this.notices.map((n) => n.code);
  }
}
