import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MODERN_FFMPEG_CAPS, parseFfmpegCaps, readOptionSections } from '../../../../src/targets/local/encoder/ffmpeg-caps.js';

/** Excerpts of `ffmpeg -hide_banner -h full` (the http, hls muxer and hls demuxer sections) from each binary. */
const fixture = (name: string): string => readFileSync(new URL(`../../../fixtures/ffmpeg/${name}`, import.meta.url), 'utf8');
const DEBIAN_51 = fixture('help-full-debian-5.1.txt');
const NPM_STATIC_2018 = fixture('help-full-npm-4.1-static.txt');

describe('parseFfmpegCaps', () => {
  it('finds every capability in Debian ffmpeg 5.1', () => {
    expect(parseFfmpegCaps(DEBIAN_51)).toEqual({
      reconnectOnNetworkError: true,
      m3u8HoldCounters: true,
      ignoreIoErrors: true,
      hlsDeleteThreshold: true,
      hlsHeaders: true,
      varStreamMapNames: true,
    });
  });

  it('finds what the 2018 static build of @ffmpeg-installer/ffmpeg lacks', () => {
    expect(parseFfmpegCaps(NPM_STATIC_2018)).toEqual({
      reconnectOnNetworkError: false,
      m3u8HoldCounters: false,
      ignoreIoErrors: true,
      hlsDeleteThreshold: true,
      hlsHeaders: false,
      varStreamMapNames: false,
    });
  });

  it.each([
    ['http', 'reconnect_on_network_error', 'reconnectOnNetworkError'],
    ['hls demuxer', 'm3u8_hold_counters', 'm3u8HoldCounters'],
    ['hls,applehttp', 'm3u8_hold_counters', 'm3u8HoldCounters'],
    ['hls muxer', 'ignore_io_errors', 'ignoreIoErrors'],
    ['hls muxer', 'hls_delete_threshold', 'hlsDeleteThreshold'],
    ['hls muxer', 'headers', 'hlsHeaders'],
    ['hls muxer', 'headers', 'varStreamMapNames'],
  ] as const)('reads %s -%s as %s', (section, option, cap) => {
    const other = 'dash muxer AVOptions:\n  -dummy             <int>        E.......... x\n';
    const text = `${other}${section} AVOptions:\n  -${option}   <int>        E.......... something\n`;
    expect(parseFfmpegCaps(text)[cap]).toBe(true);
    // The same option under another section does not count.
    expect(parseFfmpegCaps(`${other}https AVOptions:\n  -${option}   <int>        E.......... something\n`)[cap]).toBe(false);
  });

  it('assumes a modern ffmpeg when the text has no option sections at all', () => {
    expect(parseFfmpegCaps('Unknown help option\n')).toEqual(MODERN_FFMPEG_CAPS);
  });
});

describe('readOptionSections', () => {
  it('lists the options under each heading, not the flag values or text between sections', () => {
    const text = [
      'hls muxer AVOptions:',
      '  -hls_flags         <flags>      E.......... set flags',
      '     delete_segments              E.......... delete segment files',
      '  -method            <string>     E.......... set the HTTP method',
      '',
      'Muxer mp4 [MP4 (MPEG-4 Part 14)]:',
      '  -movflags         <flags>      E.......... MOV muxer flags',
    ].join('\n');
    expect(readOptionSections(text)).toEqual(new Map([['hls muxer', new Set(['hls_flags', 'method'])]]));
  });
});
