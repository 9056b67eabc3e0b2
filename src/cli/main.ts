/**
 * The commander program. Command implementations are imported lazily inside each action, so
 * `livestream --help` loads neither the AWS SDK nor the local servers.
 */
import { Command, Option } from 'commander';
import { INPUT_TYPES, PRICE_CLASSES } from '../core/spec.js';
import { EXIT } from './exit-codes.js';
import { Output } from './output.js';
import type { GlobalOptions } from './resolve.js';

const VERSION = '0.1.0';

const EXAMPLES = `
Examples:
  livestream up                                   # local stack with the built-in demo source, plays in a minute
  livestream up --input RTMP_PUSH --cidr 127.0.0.1/32
  livestream up --target aws --input URL_PULL --source-url https://example.com/live/index.m3u8 --profile HD-720p
  livestream up --target aws ... --stop-at 2026-12-02T22:00   # the channel stops itself at 22:00 (AWS default: after 12 h)
  livestream schedule --stop-after 2h             # move the end of the running channel
  livestream status --all                         # every stack, so a running channel is never forgotten
  livestream recordings --download ./event        # each run of the channel as an MP4
  livestream down                                 # stop and remove everything (logs and recordings are kept)

Exit codes: 0 ok, 1 failed, 2 invalid options, 3 aborted, 4 stack busy, 5 stack not found.`;

function addGlobal(cmd: Command): Command {
  return cmd
    .option('--stack <name>', 'stack name; every resource name derives from it', 'livestream')
    .option('--state-dir <dir>', 'where state files live', '.livestream')
    .option('--json', 'print one JSON document for scripts (no prompts, no spinners)')
    .option('--debug', 'show stack traces');
}

/** `down` and `status` of a stack with no state file here: where to look for it in AWS. */
function addUnrecordedOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--target <target>', 'without a state file: look for the stack in AWS by its names and tag').choices(['aws']))
    .option('--region <region>', 'aws without a state file: the region to look in (default us-east-1)')
    .option('--aws-profile <name>', 'aws without a state file: named profile from ~/.aws/config')
    .option('--endpoint-url <url>', 'aws without a state file: send every AWS call to this endpoint (for emulators)');
}

function addSpecOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--target <target>', 'where to run: local (this machine, free) or aws (costs money)').choices(['local', 'aws']))
    .addOption(new Option('--input <type>', 'source type (default URL_PULL)').choices([...INPUT_TYPES]))
    .option('--source-url <url>', 'URL_PULL: http(s) URL of the HLS manifest to pull (local default: the built-in demo stream); SRT_CALLER: srt://HOST:PORT[?streamid=ID] of your listener')
    .option('--source-user <user>', 'URL_PULL: basic-auth user name of the source')
    .option('--source-password-stdin', 'URL_PULL: read the source password from stdin (or set LIVESTREAM_SOURCE_PASSWORD)')
    .option('--cidr <cidr>', 'RTMP_PUSH/RTP_PUSH/SRT_LISTENER: address range allowed to push, IPv4 or IPv6 (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--srt-latency <ms>', 'SRT: receiver latency in ms, 120-15000 (default 120; about 4x the round trip to the encoder)')
    .option('--srt-passphrase-stdin', 'SRT: read the AES passphrase (10-79 characters) from stdin; SRT_LISTENER makes one when it is not given')
    .option('--device-id <id>', 'INPUT_DEVICE: Elemental Link id on aws (hd-...); local: /dev/videoN, /dev/videoN+ALSA-device (e.g. /dev/video0+hw:1,0) or "demo"')
    .addOption(new Option('--latency <mode>', 'standard (default: 4 s segments, viewers 14-18 s behind in most players) or low (1 s segments; locally also in LL-HLS parts: 2.3-3.8 s behind in the built-in player, 3-5.5 s in Shaka and in ffplay as up prints it, 5-8 s in GStreamer; on AWS 1 s GOPs, about 4-7 s; 4x the requests per viewer)').choices(['standard', 'low']))
    .option('--profile <profile>', 'encoding ladder: HD-1080p, HD-720p, SD-540p (H.264 High) or a ladder file (see "livestream profiles")')
    .option('--record <rendition>', 'record each run of the channel: top (the highest rendition), a rendition such as 1280x720, or none (default: local top, aws none)')
    .option('--start', 'start the channel as part of up (default)')
    .option('--no-start', 'create everything but leave the channel stopped')
    .option('--region <region>', 'aws: region (default us-east-1)')
    .option('--aws-profile <name>', 'aws: named profile from ~/.aws/config (--profile is the encoding profile)')
    .option('--endpoint-url <url>', 'aws: send every AWS call to this endpoint (for emulators)')
    .addOption(new Option('--price-class <class>', 'aws: CloudFront edge locations: 100 (North America, Europe), 200 (adds most of Asia, Africa), All (default, every location)').choices([...PRICE_CLASSES]))
    .option('--recordings-expire-days <days>', 'aws: delete each recording from the recordings bucket this many days after it was written (default: kept until "down --delete-recordings")')
    .addOption(new Option('--origin <origin>', 'aws: origin store; MediaStore was ended by AWS on 2025-11-13, so s3 is the default').choices(['s3', 'mediastore']))
    .option('--listen <address>', 'local: address for viewers and push inputs (127.0.0.1; 0.0.0.0 lets phones on your network watch)')
    .option('--port <port>', 'local: edge port for viewers (default: any free port)')
    .option('--rtmp-port <port>', 'local RTMP_PUSH: port to listen on (default 1935, as MediaLive)')
    .option('--rtp-port <port>', 'local RTP_PUSH: UDP port to listen on (default 5000, as MediaLive)')
    .option('--srt-port <port>', 'local SRT_LISTENER: UDP port to listen on (default 5050, as MediaLive)')
    .option('--edge-workers <n>', 'local: edge processes serving viewers (default auto: one per core, up to 4)')
    .addOption(new Option('--stop-after <duration>', 'stop the channel this long after each start: 90s, 20m, 3h30m; "none" runs it until stopped (default: aws 12h, local none)'))
    .addOption(new Option('--stop-at <time>', 'stop the channel at this time: 2026-12-02T22:00 (this machine\'s local time) or with Z / +01:00'))
    .addOption(new Option('--budget <usd>', 'aws: stop the channel when its estimated cost reaches this many US dollars'));
}

const SCHEDULE_HELP = `
Exactly one of --stop-after, --stop-at, --budget or --clear. While the channel runs its end moves
now; on a stopped channel the rule applies from the next "livestream start".

Examples:
  livestream schedule --stop-after 2h             # two hours after the channel's current start
  livestream schedule --stop-at 2026-12-02T22:00  # local time of this machine (or add Z / +01:00)
  livestream schedule --budget 40 --stack show    # aws: stop when the channel has cost $40
  livestream schedule --clear                     # run until "livestream stop" (same as --stop-after none)`;

export function buildProgram(run: (fn: () => Promise<number>) => Promise<void>): Command {
  const program = new Command('livestream')
    .description('Stand up a complete live video streaming stack for an event, run it, watch it, and tear it down.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    // Set before the subcommands are added: they copy it, so a usage error returns code 2 instead of exiting.
    .exitOverride()
    .addHelpText('after', EXAMPLES);

  const out = (o: GlobalOptions & { yes?: boolean }) => new Output({ json: Boolean(o.json), debug: Boolean(o.debug), yes: Boolean(o.yes) });

  addSpecOptions(addGlobal(program.command('up')))
    .description('create the stack (and start the channel); resumes a half-built stack, changes nothing on a complete one')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--dry-run', 'show the plan and its cost, create nothing (same as "plan")')
    .option('--foreground', 'local: run in this terminal with a live status line; Ctrl-C tears down')
    .option('--recalibrate', 'local: measure again which x264 preset and scaler this machine affords (for a ladder whose preset is "auto"), instead of using the cached calibration')
    .addHelpText('after', `
Without --input on a terminal, a short wizard asks for everything.
Without a terminal, missing required options are an error that lists them.
The plan and its hourly cost are shown and confirmed before anything is created (--yes skips).`)
    .action((o) => run(async () => (await import('./commands/up.js')).runUp(o, out(o))));

  addSpecOptions(addGlobal(program.command('plan')))
    .description('show what "up" would create and what it costs per hour, creating nothing')
    .action((o) => run(async () => (await import('./commands/up.js')).runPlan(o, out(o))));

  addGlobal(program.command('start'))
    .description('start the channel and wait until it runs (idempotent)')
    .action((o) => run(async () => (await import('./commands/channel.js')).runChannel('start', o, out(o))));

  addGlobal(program.command('stop'))
    .description('stop the channel and wait until it is stopped (idempotent); the stack stays')
    .action((o) => run(async () => (await import('./commands/channel.js')).runChannel('stop', o, out(o))));

  addGlobal(program.command('schedule'))
    .description('change when the channel stops by itself: a time, a duration, a budget, or never')
    .option('--stop-after <duration>', 'stop this long after the current start: 90s, 20m, 3h30m; "none" runs until stopped')
    .option('--stop-at <time>', 'stop at this time: 2026-12-02T22:00 (local time) or with Z / +01:00')
    .option('--budget <usd>', 'aws: stop when the channel has cost this many US dollars in all')
    .option('--clear', 'no end: the channel runs until "livestream stop"')
    .addHelpText('after', SCHEDULE_HELP)
    .action((o) => run(async () => (await import('./commands/schedule.js')).runSchedule(o, out(o))));

  addUnrecordedOptions(addGlobal(program.command('status')))
    .description('each resource as it is now, channel state, outputs, time running and cost so far')
    .option('--all', 'every stack in the state folder with its target, channel state and cost so far')
    .action((o) => run(async () => (await import('./commands/status.js')).runStatus(o, out(o))));

  addUnrecordedOptions(addGlobal(program.command('down')))
    .description('stop the channel and delete everything the stack created (logs and recordings are kept)')
    .option('--delete-logs', 'also delete the access logs (AWS logs bucket / local logs folder)')
    .option('--delete-recordings', 'also delete the recordings (kept by default; "livestream recordings --download DIR" saves them first)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action((o) => run(async () => (await import('./commands/down.js')).runDown(o, out(o))));

  addGlobal(program.command('recordings'))
    .description('list the recordings of each run of the channel, or save them as MP4 files (--download DIR)')
    .option('--download <dir>', 'save one MP4 per run into this folder (remuxed as recorded, not re-encoded; made if missing)')
    .addHelpText('after', `
Each run of the channel (start to stop) is recorded: the top rendition by default on the local target
(--record on "up" chooses another, or none); on AWS when "up --record" asks for it. Recordings are kept
by "down"; "down --delete-recordings" removes them. A local recording is written as it is encoded and
survives an encoder restart, a lost input (the slate is recorded) and a killed stack.

Examples:
  livestream recordings                            # start, end, length, size and where of each run
  livestream recordings --download ./event         # one MP4 per run in ./event, plays anywhere
  livestream recordings --json | jq '.recordings[].where'`)
    .action((o) => run(async () => (await import('./commands/recordings.js')).runRecordings(o, out(o))));

  program
    .command('profiles')
    .description('list the built-in encoding ladders and their renditions')
    .option('--json', 'print JSON')
    .option('--debug', 'show stack traces')
    .action((o) => run(async () => (await import('./commands/profiles.js')).runProfiles(o, out(o))));

  return program;
}

/** Entry point: returns the exit code instead of exiting, so tests can call it. */
export async function run(argv: string[]): Promise<number> {
  let code: number = EXIT.OK;
  const program = buildProgram(async (fn) => {
    code = await fn();
  });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? EXIT.OK : EXIT.USAGE;
    }
    throw err;
  }
  return code;
}
