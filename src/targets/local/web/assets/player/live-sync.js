// How far behind the live edge hls.js plays, by the stream's segment length. Plain script, no build
// step (the player is served as is, locally and on S3/CloudFront); tests evaluate it in Node.
//
// hls.js counts its live delay in target durations (segment lengths). Three, its default and Apple's
// advice, is 12 s behind the newest segment with 4 s segments and 3 s with the low mode's 1 s ones,
// so the count stays three: fewer leaves no room for a playlist that comes a second late (seen:
// stalls with two on a loaded 2-core machine). What differs is how a player that fell behind (a
// stall, a background tab) gets back: with 1 s segments it may speed up to 1.1x until it is back at
// its target (maxLiveSyncPlaybackRate; the browser keeps the sound's pitch), and it jumps back to
// the target when it is more than 8 segments behind, instead of 30 seconds of catching up.
(function (root) {
  'use strict';

  /** Low-latency streams have segments of at most this many seconds (the low mode writes 1 s). */
  var LOW_LATENCY_MAX_TARGET = 2;

  function liveSyncConfig(targetDuration) {
    if (targetDuration > 0 && targetDuration <= LOW_LATENCY_MAX_TARGET) {
      return { mode: 'low', liveSyncDurationCount: 3, liveMaxLatencyDurationCount: 8, maxLiveSyncPlaybackRate: 1.1 };
    }
    return { mode: 'standard', liveSyncDurationCount: 3, liveMaxLatencyDurationCount: Infinity, maxLiveSyncPlaybackRate: 1 };
  }

  root.livestreamLiveSync = liveSyncConfig;
})(typeof window !== 'undefined' ? window : globalThis);
