/**
 * A real browser for the local target's tests: Debian's chromium driven by playwright-core.
 * Debian's build plays H.264/AAC through Media Source Extensions (checked: MediaSource.isTypeSupported
 * of 'video/mp4; codecs="avc1.42E01E,mp4a.40.2"' is true in Chromium 156), so hls.js can play our streams.
 */
import { chromium, type Browser } from 'playwright-core';
import { requireTool } from './tools.js';

/** CHROMIUM_PATH, else /usr/bin/chromium; the test fails saying how to install it when there is none. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: await requireTool('chromium'),
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}
