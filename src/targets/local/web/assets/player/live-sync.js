// How far behind the live edge hls.js plays, by the stream's segment length. Plain script, no build
// step (the player is served as is, locally and on S3/CloudFront); tests evaluate it in Node.
//
// hls.js counts its live delay in target durations (segment lengths). Three, its default and Apple's
// advice, is 12 s behind the newest segment with 4 s segments and 3 s with the low mode's 1 s ones,
// so the count stays three: fewer leaves no room for a playlist that comes a second late (seen:
// stalls with two on a loaded 2-core machine). A low-latency stream that lists LL-HLS parts and
// holds playlist reloads until the next part (CAN-BLOCK-RELOAD, the local low mode) is read part by
// part instead, PART-HOLD-BACK behind the newest part (hls.js's own target in its lowLatencyMode).
// What differs is how a player that fell behind (a stall, a background tab) gets back: with 1 s
// segments it may speed up to 1.1x until it is back at its target (maxLiveSyncPlaybackRate; the
// browser keeps the sound's pitch), and it jumps back to the target when it is more than 8 segments
// behind, instead of 30 seconds of catching up. In both modes the page also catches up by the true
// delay (catchUpRate below, at up to 1.1x).
(function (root) {
  'use strict';

  /** Low-latency streams have segments of at most this many seconds (the low mode writes 1 s). */
  var LOW_LATENCY_MAX_TARGET = 2;
  /** Segments behind the newest, in both modes. */
  var SEGMENTS_BEHIND = 3;
  /** Reading LL-HLS parts: beyond this many segments behind, hls.js jumps back to its target. */
  var PARTS_MAX_SEGMENTS_BEHIND = 4;

  /**
   * `partHoldBack`: the playlist's PART-HOLD-BACK when it lists parts (hls.js level details), else 0. `behindEdgeSeconds`: where the player
   * sits, behind the newest segment or part it has been given.
   */
  function liveSyncConfig(targetDuration, partHoldBack) {
    if (targetDuration > 0 && targetDuration <= LOW_LATENCY_MAX_TARGET) {
      var parts = partHoldBack > 0;
      return {
        mode: parts ? 'low, LL-HLS parts' : 'low',
        liveSyncDurationCount: SEGMENTS_BEHIND,
        behindEdgeSeconds: parts ? partHoldBack : SEGMENTS_BEHIND * targetDuration,
        // Reading parts, a player more than 4 segments behind jumps back to PART-HOLD-BACK rather
        // than catching up at 1.1x: in the latency bench (load 5-7) hls.js started 4-9 s behind and
        // took the whole minute to come back to 2-3 s.
        liveMaxLatencyDurationCount: parts ? PARTS_MAX_SEGMENTS_BEHIND : 8,
        // hls.js's own back-off is kept: each stall moves its target a second further back (up to a
        // segment), for the rest of the event. A part per stall instead was tried (latency bench,
        // load 5-8): 2.7 s instead of 3.3 s behind, but 2 stalls (1.0 s) in the minute instead of one of 20 ms.
        maxLiveSyncPlaybackRate: 1.1,
        catchUpRate: 1.1,
      };
    }
    return {
      mode: 'standard',
      liveSyncDurationCount: SEGMENTS_BEHIND,
      behindEdgeSeconds: SEGMENTS_BEHIND * targetDuration,
      liveMaxLatencyDurationCount: Infinity,
      maxLiveSyncPlaybackRate: 1,
      catchUpRate: 1.1,
    };
  }

  /**
   * Seconds a player may sit behind real time beyond where it sits behind the edge: the stack's time from
   * capture to a listed segment, the age of the playlist the edge hands out (up to a quarter
   * segment), and half a second of margin for a busy moment. Standard: about a second to a listed
   * segment (x264 with its lookahead), 1.5 s. Low: 0.27 s median (720p, load 3; no lookahead), 1 s.
   */
  function catchUpAllowance(targetDuration) {
    return targetDuration <= LOW_LATENCY_MAX_TARGET ? 1 : 1.5;
  }

  /**
   * The playback rate that brings a viewer back to the delay the stream can hold, judged by the true
   * delay (now minus the program date time on screen), or null to leave the rate as it is.
   *
   * Why: hls.js sits three segments (or PART-HOLD-BACK) behind the newest segment (or part) of the
   * playlist it loaded, measured from when it loaded it. A playlist that was already seconds old (it changes once a segment, and
   * the edge caches it) puts the viewer that much further behind for the whole event: 16-20 s in
   * standard mode from one start to the next. The program date time says how far behind real time
   * the picture really is; a viewer more than a second (half a segment, if less) beyond
   * behindEdgeSeconds + catchUpAllowance plays at maxRate until within a quarter second of it, and only while more than a segment is
   * buffered ahead (speeding up on an empty buffer would stall). A stream without program date
   * times (delay NaN) is left to hls.js. `behindEdgeSeconds`: liveSyncConfig's (default: three
   * segments).
   */
  function catchUpRate(delaySeconds, bufferAheadSeconds, targetDuration, currentRate, maxRate, behindEdgeSeconds) {
    if (!isFinite(delaySeconds) || !(targetDuration > 0) || !(maxRate > 1)) return null;
    var behind = behindEdgeSeconds > 0 ? behindEdgeSeconds : SEGMENTS_BEHIND * targetDuration;
    var target = behind + catchUpAllowance(targetDuration);
    var wanted = currentRate > 1
      ? (delaySeconds > target + 0.25 && bufferAheadSeconds > targetDuration / 2 ? maxRate : 1)
      : (delaySeconds > target + Math.min(1, targetDuration / 2) && bufferAheadSeconds > targetDuration ? maxRate : 1);
    return wanted === currentRate ? null : wanted;
  }

  /**
   * Whether the viewer picked this playback rate (the video's own speed menu): a rate below 1x, or
   * above any the page or hls.js use to catch up. The page then leaves the rate alone until the
   * viewer is back at 1x: catching up must not undo a choice the viewer made.
   */
  function viewerChoseRate(rate, sync) {
    return rate < 1 || rate > Math.max(sync.maxLiveSyncPlaybackRate, sync.catchUpRate);
  }

  root.livestreamLiveSync = liveSyncConfig;
  root.livestreamViewerChoseRate = viewerChoseRate;
  root.livestreamCatchUpRate = catchUpRate;
})(typeof window !== 'undefined' ? window : globalThis);
