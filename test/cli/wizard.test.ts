import { describe, expect, it } from 'vitest';
import { runWizard, type Prompts } from '../../src/cli/wizard.js';

/** Answers in order; records every question so a test can assert what was asked. */
function scripted(answers: unknown[]): Prompts & { asked: string[]; choices: Map<string, Array<{ name: string; value: unknown }>> } {
  const queue = [...answers];
  const asked: string[] = [];
  const choices = new Map<string, Array<{ name: string; value: unknown }>>();
  const next = (kind: string, q: { message: string; validate?: (v: string) => true | string; choices?: Array<{ name: string; value: unknown }> }) => {
    asked.push(`${kind}: ${q.message}`);
    if (q.choices) choices.set(q.message, q.choices);
    const a = queue.shift();
    if (a === undefined) throw new Error(`no scripted answer for "${q.message}"`);
    if (q.validate && typeof a === 'string') {
      const ok = q.validate(a);
      if (ok !== true) throw new Error(`validation refused "${a}": ${ok}`);
    }
    return Promise.resolve(a as never);
  };
  return {
    asked,
    choices,
    select: (q) => next('select', q),
    input: (q) => next('input', q),
    password: (q) => next('password', q),
    confirm: (q) => next('confirm', q),
  };
}

describe('the wizard', () => {
  it('asks for a local URL_PULL with basic auth, keeping the password out of the options', async () => {
    const p = scripted(['local', 'URL_PULL', 'https://cdn.example.com/live/index.m3u8', 'alice', 's3cret', 'SD-540p', true, 'none']);
    const { options, secrets } = await runWizard({}, p);
    expect(options).toEqual({ target: 'local', input: 'URL_PULL', sourceUrl: 'https://cdn.example.com/live/index.m3u8', sourceUser: 'alice', profile: 'SD-540p', start: true, stopAfter: 'none' });
    expect(secrets).toEqual({ sourcePassword: 's3cret' });
    expect(p.asked).toContain('password: Source password:');
    expect(JSON.stringify(options)).not.toContain('s3cret');
  });

  it('uses the demo source when the URL is left empty on local', async () => {
    const p = scripted(['local', 'URL_PULL', '', 'HD-720p', false, '']);
    const { options } = await runWizard({}, p);
    expect(options.sourceUrl).toBeUndefined();
    expect(options.start).toBe(false);
    expect(options.stopAfter).toBe('none');
  });

  it('does not ask for the stop when an option gave it, and refuses a nonsense duration', async () => {
    const given = await runWizard({ target: 'aws', budget: '40' }, scripted(['URL_PULL', 'https://cdn.example.com/live/index.m3u8', '', 'HD-720p', 'us-east-1', 'All', false, true]));
    expect(given.options).toMatchObject({ budget: '40' });
    expect(given.options.stopAfter).toBeUndefined();
    await expect(runWizard({ target: 'local' }, scripted(['URL_PULL', '', 'HD-720p', true, 'soon']))).rejects.toThrow(/duration such as 90s/);
  });

  it('asks AWS push inputs for CIDRs and a region, and rejects a bad CIDR', async () => {
    const p = scripted(['aws', 'RTMP_PUSH', '203.0.113.7/32, 198.51.100.0/24', 'HD-1080p', 'eu-west-1', '100', true, true, '3h30m']);
    const { options } = await runWizard({}, p);
    expect(options).toMatchObject({ target: 'aws', input: 'RTMP_PUSH', cidr: ['203.0.113.7/32', '198.51.100.0/24'], profile: 'HD-1080p', region: 'eu-west-1', priceClass: '100', record: 'top', stopAfter: '3h30m' });
    expect(p.asked).toContain('confirm: Record each run of the channel (the top rendition, kept by "down")? AWS charges for it: the plan shows how much');
    expect(p.asked).toContain('select: Where are your viewers? (CloudFront price class)');
    await expect(runWizard({}, scripted(['aws', 'RTP_PUSH', '203.0.113.7']))).rejects.toThrow(/not in CIDR notation/);
    await expect(runWizard({}, scripted(['aws', 'RTP_PUSH', '2001:db8::/48']))).rejects.toThrow(/IPv4 CIDRs only/);
  });

  it('offers every region MediaLive runs in, the opt-in ones marked, and not us-west-1', async () => {
    const p = scripted(['aws', 'URL_PULL', 'https://cdn.example.com/live/index.m3u8', '', 'HD-720p', 'ap-south-2', 'All', false, true, '']);
    const { options } = await runWizard({}, p);
    expect(options.region).toBe('ap-south-2');
    // An empty answer takes AWS's default end: the channel does not bill forever by accident.
    expect(options.stopAfter).toBe('12h');
    expect(p.asked.at(-1)).toMatch(/^input: Stop the channel by itself after .*12h by default/);
    // Not recorded unless asked: AWS bills it.
    expect(options.record).toBeUndefined();
    const regions = p.choices.get('AWS region:')!;
    expect(regions.map((c) => c.value)).toEqual(expect.arrayContaining(['us-east-1', 'ap-south-2', 'ap-southeast-4', 'ap-southeast-5', 'me-central-1']));
    expect(regions.map((c) => c.value)).not.toContain('us-west-1');
    expect(regions.find((c) => c.value === 'me-central-1')!.name).toMatch(/opt-in region.*us-east-1/);
    expect(regions.find((c) => c.value === 'eu-west-1')!.name).toBe('eu-west-1');
  });

  it('skips the target question when --target was given, and takes a ladder file path', async () => {
    const p = scripted(['INPUT_DEVICE', 'demo', '', './my-ladder.json', true, '']);
    const { options } = await runWizard({ target: 'local' }, p);
    expect(options).toMatchObject({ input: 'INPUT_DEVICE', deviceId: 'demo', profile: './my-ladder.json' });
    expect(p.asked[0]).toBe('select: What is the source?');
  });
});
