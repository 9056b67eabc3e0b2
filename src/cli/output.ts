/**
 * Everything the CLI prints. People get spinners and colour on a terminal; scripts get plain
 * lines on stderr and one JSON document on stdout with --json. NO_COLOR is honoured.
 */
import type { Host, Notice, Progress } from '../core/host.js';
import { LivestreamError } from '../core/errors.js';

export interface OutputOptions {
  json: boolean;
  debug: boolean;
  yes: boolean;
  /** Injected for tests; default process streams. */
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  stdinIsTTY?: boolean;
}

export class Output {
  readonly json: boolean;
  readonly debug: boolean;
  readonly yes: boolean;
  readonly out: NodeJS.WritableStream & { isTTY?: boolean };
  readonly err: NodeJS.WritableStream & { isTTY?: boolean };
  readonly interactive: boolean;
  readonly color: boolean;

  constructor(o: OutputOptions) {
    this.json = o.json;
    this.debug = o.debug;
    this.yes = o.yes;
    this.out = o.stdout ?? process.stdout;
    this.err = o.stderr ?? process.stderr;
    this.interactive = Boolean((o.stdinIsTTY ?? process.stdin.isTTY) && this.err.isTTY) && !o.json;
    this.color = Boolean(this.err.isTTY) && !process.env.NO_COLOR && !o.json;
  }

  /** A line for people (stderr, so stdout stays clean for results). */
  line(text = ''): void {
    this.err.write(text + '\n');
  }

  /** The command's result: JSON on stdout with --json, else human text on stdout. */
  result(human: string, data: unknown): void {
    if (this.json) this.out.write(JSON.stringify(data, null, 2) + '\n');
    else this.out.write(human.endsWith('\n') ? human : human + '\n');
  }

  paint(style: 'bold' | 'dim' | 'green' | 'yellow' | 'red' | 'cyan', text: string): string {
    if (!this.color) return text;
    const codes = { bold: [1, 22], dim: [2, 22], green: [32, 39], yellow: [33, 39], red: [31, 39], cyan: [36, 39] }[style];
    return `\u001b[${codes[0]}m${text}\u001b[${codes[1]}m`;
  }

  error(err: unknown): void {
    if (this.json) {
      const e = err instanceof LivestreamError ? err : undefined;
      this.out.write(
        JSON.stringify({ error: { code: e?.code ?? 'INTERNAL', message: (err as Error)?.message ?? String(err), hint: e?.hint, details: e?.details } }, null, 2) + '\n',
      );
      return;
    }
    const message = (err as Error)?.message ?? String(err);
    this.line(`${this.paint('red', 'Error:')} ${message}`);
    if (err instanceof LivestreamError && err.hint) this.line(`${this.paint('dim', 'Next:')} ${err.hint}`);
    if (this.debug && err instanceof Error && err.stack) this.line(err.stack);
    else if (!(err instanceof LivestreamError)) this.line(this.paint('dim', 'Run again with --debug for the stack trace.'));
  }

  /** The Host the engine talks to. */
  host(): Host {
    return new CliHost(this);
  }
}

class CliHost implements Host {
  private readonly spinners: SpinnerGroup;

  constructor(private readonly o: Output) {
    this.spinners = new SpinnerGroup(o.err);
  }

  notify(n: Notice): void {
    if (this.o.json) return;
    const mark = n.level === 'success' ? this.o.paint('green', '✔') : n.level === 'warn' ? this.o.paint('yellow', '!') : this.o.paint('cyan', '•');
    this.spinners.print(`${mark} ${n.message}`);
  }

  progress(text: string): Progress {
    if (this.o.json) return { update() {}, succeed() {}, fail() {}, done() {} };
    if (!this.o.interactive) {
      // Without a terminal: one line when the wait starts and one when it ends, no animation.
      this.o.line(`… ${text}`);
      return {
        update: () => {},
        succeed: (t) => this.o.line(`${this.o.paint('green', '✔')} ${t ?? text}`),
        fail: (t) => this.o.line(`${this.o.paint('red', '✖')} ${t ?? text}`),
        done: () => {},
      };
    }
    return this.spinners.add(text);
  }

  async confirm(question: string): Promise<boolean> {
    if (this.o.yes) return true;
    if (!this.o.interactive) return false;
    const { confirm } = await import('@inquirer/prompts');
    return confirm({ message: question, default: false });
  }
}

/**
 * Concurrent waits (resources created side by side) share ONE ora spinner, whose text lists what
 * is under way; finished waits print a line above it. ora is loaded lazily.
 */
class SpinnerGroup {
  private spinner: { text: string; clear(): void; render(): void; stop(): void; start(): void } | undefined;
  private loading: Promise<void> | undefined;
  private readonly active = new Map<number, string>();
  private nextId = 0;

  constructor(private readonly stream: NodeJS.WritableStream) {}

  add(text: string): Progress {
    const id = this.nextId++;
    this.active.set(id, text);
    this.refresh();
    const end = (line?: string) => {
      if (!this.active.delete(id)) return;
      if (line) this.print(line);
      this.refresh();
    };
    return {
      update: (t) => {
        if (this.active.has(id)) this.active.set(id, t);
        this.refresh();
      },
      succeed: (t) => end(`\u001b[32m✔\u001b[39m ${t ?? this.active.get(id) ?? text}`),
      fail: (t) => end(`\u001b[31m✖\u001b[39m ${t ?? this.active.get(id) ?? text}`),
      done: () => end(),
    };
  }

  /** A permanent line, written above the spinner. */
  print(line: string): void {
    if (this.spinner) this.spinner.clear();
    this.stream.write(line + '\n');
    if (this.spinner && this.active.size > 0) this.spinner.render();
  }

  private refresh(): void {
    if (this.active.size === 0) {
      this.spinner?.stop();
      return;
    }
    const text = [...this.active.values()].join('  ·  ');
    if (this.spinner) {
      this.spinner.text = text;
      this.spinner.start();
      return;
    }
    this.loading ??= import('ora').then(({ default: ora }) => {
      this.spinner = ora({ stream: this.stream as NodeJS.WriteStream, discardStdin: false });
    });
    void this.loading.then(() => this.refresh());
  }
}

const OUTPUT_LABELS: Record<string, string> = {
  playbackUrl: 'Playback URL', playerUrl: 'Player', pushEndpoint: 'Push to', dashboardUrl: 'Dashboard',
  metricsUrl: 'Metrics', channelConsole: 'MediaLive console', originConsole: 'Origin console',
  cloudfrontConsole: 'CloudFront console', logsBucket: 'Logs bucket', logsBucketRegion: 'Logs bucket region',
  srtPassphraseSecret: 'SRT passphrase (Secrets Manager)', srtPassphraseFile: 'SRT passphrase (owner-only file)', srtPassphraseRead: 'Read it with',
};

/** A stack's outputs as labelled rows, the links people need first. */
export function outputRows(outputs: Record<string, string | undefined>): string[][] {
  const order = Object.keys(OUTPUT_LABELS);
  return Object.entries(outputs)
    .filter(([, v]) => v)
    .sort(([a], [b]) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99))
    .map(([k, v]) => [OUTPUT_LABELS[k] ?? k, v!]);
}

/** A plain aligned table for people. */
export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}
