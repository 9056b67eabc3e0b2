/**
 * A real browser for the local target's tests: Debian's chromium driven by playwright-core.
 * Debian's build plays H.264/AAC through Media Source Extensions (checked: MediaSource.isTypeSupported
 * of 'video/mp4; codecs="avc1.42E01E,mp4a.40.2"' is true in Chromium 156), so hls.js can play our streams.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

export function chromiumAvailable(): boolean {
  return existsSync(chromiumPath());
}

/**
 * True only when the run asked to skip browser tests (LIVESTREAM_SKIP_BROWSER=1) and there is no
 * chromium. Otherwise a missing chromium fails the tests: CI installs it.
 */
export function skipBrowserTests(): boolean {
  return process.env.LIVESTREAM_SKIP_BROWSER === '1' && !chromiumAvailable();
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
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
