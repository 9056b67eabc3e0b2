/** `livestream up` and `livestream plan`. */
import { randomBytes } from 'node:crypto';
import { LivestreamError, formatProblems } from '../../core/errors.js';
import { describeFfplayCommand, describeLatencyCost } from '../../core/latency.js';
import { redactUrl } from '../../core/redact.js';
import { describeRecording } from '../../core/recording.js';
import { specDifferences, srtPassphraseFrom, type Secrets, type StackSpec } from '../../core/spec.js';
import { checkBudget, describePlannedStop, stopRuleOf } from '../../core/stop-rule.js';
import { describeH264Profile, type Ladder } from '../../core/ladder.js';
import type { CostEstimate, PlannedResource, RunContext, StackOutputs, TargetDriver } from '../../core/target.js';
import { loadDriver, loadEncoderNote, loadForeground, type PlannedEncoder } from '../drivers.js';
import { guarded } from '../guarded.js';
import { outputRows, table, type Output } from '../output.js';
import { machineClock, openStore, readSecrets, requireValidSpec, resolveLadder, toRawSpec, type SpecOptions } from '../resolve.js';
import { EXIT } from '../exit-codes.js';

export interface UpOptions extends SpecOptions {
  dryRun?: boolean;
  foreground?: boolean;
  recalibrate?: boolean;
}

interface Resolved {
  spec: StackSpec;
  secrets: Secrets;
  ladder: Ladder;
  driver: TargetDriver;
  /** --stop-after, --stop-at or --budget was given (else an existing stack keeps its recorded rule). */
  stopGiven: boolean;
}

/** Options, or the wizard's answers on a terminal when --input is missing. */
async function resolve(opts: UpOptions, out: Output, allowWizard: boolean): Promise<Resolved> {
  let o = opts;
  let secrets: Secrets;
  if (allowWizard && out.interactive && !opts.input) {
    const { runWizard } = await import('../wizard.js');
    const answers = await runWizard(opts);
    o = answers.options;
    secrets = answers.secrets;
  } else {
    secrets = await readSecrets(o);
  }
  const validated = requireValidSpec(toRawSpec(o, secrets));
  const { spec, ladder } = await resolveLadder(validated);
  const driver = await loadDriver(spec.target);
  refuseSmallBudget(spec, driver.estimateCost(spec, ladder));
  return { spec, secrets, ladder, driver, stopGiven: [o.stopAfter, o.stopAt, o.budget].some((v) => v !== undefined) };
}

/** A budget is checked where the price is known, before anything is created. */
function refuseSmallBudget(spec: StackSpec, cost: CostEstimate | undefined): void {
  const why = checkBudget(spec.stop, cost?.perHour);
  if (!why) return;
  const problems = [{ path: 'budget', message: why.message, fix: why.fix }];
  throw new LivestreamError('SPEC_INVALID', `The options do not describe a stack livestream can build:\n${formatProblems(problems)}`, {
    hint: 'Fix the options above; "livestream up --help" lists them all.',
    details: { problems },
  });
}

export function runPlan(opts: UpOptions, out: Output): Promise<number> {
  return guarded(out, async () => {
    const { spec, ladder, driver } = await resolve(opts, out, false);
    showPlan(out, spec, ladder, driver.plan(spec, ladder), driver.estimateCost(spec, ladder), true, await encoderNote(spec, ladder));
  });
}

export function runUp(opts: UpOptions, out: Output): Promise<number> {
  return guarded(out, async () => {
    const resolved = await resolve(opts, out, true);
    const { secrets, ladder, driver } = resolved;
    let { spec } = resolved;
    if (opts.foreground && spec.target !== 'local') {
      throw new LivestreamError('SPEC_INVALID', '--foreground runs a local stack in this terminal; an AWS stack runs in AWS, not here.', {
        hint: 'Leave out --foreground (watch it with "livestream status"), or add --target local.',
      });
    }
    let plan = driver.plan(spec, ladder);
    const cost = driver.estimateCost(spec, ladder);
    if (opts.recalibrate && spec.target !== 'local') {
      throw new LivestreamError('SPEC_INVALID', '--recalibrate measures the local encoder on this machine; an AWS stack encodes in MediaLive.', {
        hint: 'Leave out --recalibrate, or add --target local.',
      });
    }
    if (opts.dryRun) {
      showPlan(out, spec, ladder, plan, cost, true, await encoderNote(spec, ladder));
      return;
    }
    if (opts.recalibrate) {
      const forgotten = await (await loadEncoderNote()).forgetCalibrations();
      if (!out.json) out.line(`Forgot ${forgotten} encoder calibration${forgotten === 1 ? '' : 's'}: the stack process measures again when it starts (a stack already running keeps its settings until "down" and "up").`);
    }
    const note = await encoderNote(spec, ladder);
    const store = openStore({ ...opts, stack: spec.stack });
    await store.lock('up');
    try {
      const loaded = await store.load();
      // A torn-down stack keeps only its logs: the next event may build a different spec around them.
      const reusingLogs = Boolean(loaded?.runtime.tornDown);
      const existing = reusingLogs ? undefined : loaded;
      if (existing) {
        const diff = specDifferences(existing.spec, spec);
        if (diff.length > 0) {
          throw new LivestreamError('STACK_SPEC_CHANGED', `Stack "${spec.stack}" already exists with a different spec:\n${diff.map((d) => `  - ${d}`).join('\n')}`, {
            hint: `Run "livestream up" with the same options to resume it, "livestream down --stack ${spec.stack}" first to rebuild it, or choose another --stack name.`,
            details: { differences: diff },
          });
        }
        // Without a stop option the stack keeps the rule it has (set by up or "livestream schedule").
        if (!resolved.stopGiven) spec = { ...spec, stop: stopRuleOf(existing.spec) };
        // The plan follows that rule (AWS lists the stop schedule only when the rule sets an end).
        plan = driver.plan(spec, ladder);
      }
      if (!out.json) showPlan(out, spec, ladder, plan, cost, false, note);
      if (!existing) {
        if (spec.target === 'aws' && !out.interactive && !out.yes) {
          throw new LivestreamError('MISSING_OPTIONS', 'Creating AWS resources costs money and there is no terminal to confirm on.', {
            hint: 'Add --yes to confirm, or run "livestream plan" first to see what would be created.',
          });
        }
        if (out.interactive && !out.yes) {
          const ok = await out.host().confirm(`Create stack "${spec.stack}" on ${spec.target}?`);
          if (!ok) throw new LivestreamError('ABORTED', 'Nothing was created.', { hint: 'Run "livestream up" again when ready.' });
        }
        if (reusingLogs) {
          await store.update((s) => {
            s.spec = spec;
            s.ladder = ladder;
            delete s.runtime.tornDown;
          });
        } else {
          await store.create({ target: spec.target, spec, ladder });
        }
      } else if (!out.json) {
        out.line(`Stack "${spec.stack}" exists: resuming; what exists is kept.`);
      }
      // An SRT passphrase `up` makes is made here, for a new stack, so that it can be shown once:
      // afterwards it is only in the owner-only file or the secret, which status never prints.
      const makesPassphrase = !existing && spec.srt?.passphrase === 'generated' && !secrets.srtPassphrase;
      const runSecrets: Secrets = makesPassphrase ? { ...secrets, srtPassphrase: srtPassphraseFrom(randomBytes(32)) } : secrets;
      const run: RunContext = { spec, ladder, secrets: runSecrets, store, host: out.host(), now: () => new Date(), timeZone: machineClock().timeZone };
      const outputs = opts.foreground ? await runForeground(run, driver) : await driver.up(run);
      const srtUrl = !existing && runSecrets.srtPassphrase && outputs.pushEndpoint?.startsWith('srt://') ? withPassphrase(outputs.pushEndpoint, runSecrets.srtPassphrase) : undefined;
      if (opts.foreground) {
        out.result(`Stack "${spec.stack}" ran in the foreground and is torn down; its logs are kept.`, { stack: spec.stack, target: spec.target, foreground: true, tornDown: true });
      } else {
        const ffplay = describeFfplayCommand(ladder, spec.target, outputs.playbackUrl);
        out.result(formatOutputs(out, spec, outputs, srtUrl, ffplay), { stack: spec.stack, target: spec.target, outputs, ...(srtUrl ? { srtUrlWithPassphrase: srtUrl } : {}), ...(ffplay ? { ffplayCommand: ffplay } : {}) });
      }
      return EXIT.OK;
    } finally {
      await store.unlock();
    }
  });
}

/**
 * `up --foreground`: the stack runs in this process with a live status line; the lock is let go
 * once it plays (status, stop and start may use it), and Ctrl-C tears it down as `down` would,
 * logs kept. A `livestream down` from elsewhere ends it too, having torn it down itself.
 */
async function runForeground(run: RunContext, driver: TargetDriver): Promise<StackOutputs> {
  const { startForeground } = await loadForeground();
  const stack = await startForeground(run);
  const o = stack.outputs;
  for (const [label, url] of [['Player', o.playerUrl], ['Playback URL', o.playbackUrl], ['Dashboard', o.dashboardUrl], ['Push to', o.pushEndpoint]] as const) {
    if (url) run.host.notify({ level: 'info', code: 'OUTPUT', message: `${label}: ${url}` });
  }
  const ffplay = describeFfplayCommand(run.ladder, run.spec.target, o.playbackUrl);
  if (ffplay) run.host.notify({ level: 'info', code: 'OUTPUT', message: `In ffplay: ${ffplay}` });
  run.host.notify({ level: 'info', code: 'FOREGROUND', message: 'Running in the foreground; press Ctrl-C to stop and tear down (logs are kept).' });
  await run.store.unlock();
  const line = run.host.progress('starting');
  const tick = setInterval(() => line.update(stack.statusLine()), 2_000);
  const why = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('Ctrl-C'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    void stack.shutdownRequested.then(() => resolve('livestream down'));
  });
  clearInterval(tick);
  line.succeed(`Stopping (${why})`);
  await stack.close();
  if (why !== 'livestream down') {
    await run.store.lock('down');
    await driver.down(run, { deleteLogs: false });
  }
  return {};
}

/** The local encoder's preset and scaler as the plan says them; AWS stacks encode in MediaLive. */
async function encoderNote(spec: StackSpec, ladder: Ladder): Promise<PlannedEncoder | undefined> {
  return spec.target === 'local' ? (await loadEncoderNote()).describePlannedEncoder(ladder) : undefined;
}

export function showPlan(out: Output, spec: StackSpec, ladder: Ladder, plan: PlannedResource[], cost: CostEstimate | undefined, asResult: boolean, encoder?: PlannedEncoder): void {
  // A source URL may carry a token in its query or credentials in it: shown redacted, here as in the line below.
  const shownSpec = spec.sourceUrl ? { ...spec, sourceUrl: redactUrl(spec.sourceUrl) } : spec;
  const clock = machineClock();
  const stopLine = describePlannedStop(spec.stop, spec.target, clock.now, { ...(cost ? { perHour: cost.perHour } : {}), timeZone: clock.timeZone });
  const data = { stack: spec.stack, target: spec.target, spec: shownSpec, ladder: ladder.name, resources: plan, cost: cost ?? null, stop: { rule: spec.stop, line: stopLine }, ...(encoder ? { encoder } : {}) };
  const where = spec.target === 'aws' ? `aws (${spec.aws.region}, origin ${spec.aws.origin}, CloudFront price class ${spec.aws.priceClass ?? 'All'})` : `local (${spec.local.listen})`;
  const lines = [
    out.paint('bold', `Plan for stack "${spec.stack}" on ${where}`),
    `Input ${spec.input}${spec.sourceUrl ? ` from ${redactUrl(spec.sourceUrl)}` : spec.input === 'URL_PULL' && spec.target === 'local' ? ' from the built-in demo stream' : ''}; profile ${ladder.name}: ${ladder.renditions.map((r) => `${r.height}p${r.framerate}`).join(', ')}, ${describeH264Profile(ladder)}; channel ${spec.start ? 'started' : 'left stopped'}`,
    ...describeLatencyCost(ladder, spec.target),
    ...(encoder ? [`Encoder x264 ${encoder.text}`] : []),
    '',
    table([['#', 'resource', 'name', 'after'], ...plan.map((p, i) => [String(i + 1), p.describe, p.name, p.dependsOn.join(', ') || '-'])]),
    '',
    describeRecording(spec, ladder),
    cost
      ? `Cost while the channel runs: ≈ $${cost.perHour.toFixed(2)}/hour (${cost.approximate ? 'approximate, ' : ''}prices as of ${cost.asOf})\n${cost.lines.map((l) => `  ${l.item}: $${l.perHour.toFixed(3)}/h${l.estimated ? ` (estimated: ${l.estimated})` : ''}`).join('\n')}${cost.notes.length ? `\n${cost.notes.map((n) => `  not included: ${n}`).join('\n')}` : ''}`
      : 'Cost: nothing to pay; it runs on this machine.',
    `Stops: ${stopLine}`,
  ];
  if (asResult) out.result(lines.join('\n'), data);
  else lines.forEach((l) => out.line(l));
}

/** An srt:// push URL with its passphrase, in the form OBS, vMix, Larix and ffmpeg take. */
export function withPassphrase(pushEndpoint: string, passphrase: string): string {
  return `${pushEndpoint}${pushEndpoint.includes('?') ? '&' : '?'}passphrase=${encodeURIComponent(passphrase)}`;
}

export function formatOutputs(out: Output, spec: StackSpec, o: StackOutputs, srtUrl?: string, ffplayCommand?: string): string {
  return [
    out.paint('green', `Stack "${spec.stack}" is up.`),
    table(outputRows(o)),
    ...(srtUrl
      ? ['', 'Paste into your encoder (SRT, caller mode). It holds the passphrase and is shown only now; "Push to" above is the same without it:', `  ${srtUrl}`]
      : []),
    ...(ffplayCommand
      ? ['', 'In ffplay, which reads whole segments: two from the end instead of three, on the top rendition (3.0-5.4 s behind instead of 5-6 s in the latency bench):', `  ${ffplayCommand}`]
      : []),
    '',
    `Watch it: livestream status --stack ${spec.stack}    Tear it down: livestream down --stack ${spec.stack}`,
  ].join('\n');
}
