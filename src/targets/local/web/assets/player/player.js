// livestream player: hls.js over the stack's stream, with its ladder, the rendition playing,
// buffer, latency and errors in view. Plain script, no build step: it is served as is by the
// local edge and uploaded as is beside the stream on S3/CloudFront.
(function () {
  'use strict';

  var DEFAULT_SRC = '../stream/index.m3u8';
  var params = new URLSearchParams(location.search);
  var src = new URL(params.get('src') || DEFAULT_SRC, location.href).href;

  var video = document.getElementById('video');
  var banner = document.getElementById('banner');
  var picker = document.getElementById('picker');
  var ladderBody = document.querySelector('#ladder tbody');
  var sourceLink = document.getElementById('source');
  var $ = function (id) { return document.getElementById(id); };

  sourceLink.textContent = src;
  sourceLink.href = src;

  var hls = null;
  var recoveredErrors = 0;
  var lastMediaRecovery = 0;
  var restartTimer = null;
  var levels = [];
  var playingLevel = -1;
  var loadingLevel = -1;
  // Bytes and seconds of the last segments loaded per level: the rate the encoder really sends
  // (the master playlist's BANDWIDTH is the declared peak).
  var MEASURE_SEGMENTS = 5;
  var loadedByLevel = {};
  var unmute = document.getElementById('unmute');

  // stalls: the picture stopped for want of data ('waiting' after playback began).
  window.__player = { hls: null, video: video, stalls: 0, liveSync: null };

  // The local stack serves a dashboard beside the player (and takes its delay reports); on
  // S3/CloudFront there is none, and the delay is shown here only.
  var stackApi = false;
  fetch('../api/info', { cache: 'no-store' }).then(function (r) {
    if (r.ok) { $('dashboard-link').hidden = false; stackApi = true; }
  }, function () {});

  function showBanner(text, kind) {
    banner.textContent = text;
    banner.className = 'banner' + (kind ? ' ' + kind : '');
    banner.hidden = false;
  }
  function hideBanner() { banner.hidden = true; }

  function formatBitrate(bps) {
    if (!(bps > 0)) return '–';
    return bps >= 1e6 ? (bps / 1e6).toFixed(2) + ' Mb/s' : Math.round(bps / 1e3) + ' kb/s';
  }
  function formatSeconds(s) { return isFinite(s) ? s.toFixed(1) + ' s' : '–'; }
  function levelName(l) {
    if (!l) return '–';
    return l.width && l.height ? l.width + 'x' + l.height : (l.name || '?');
  }

  function renderLadder() {
    ladderBody.textContent = '';
    // FRAME-RATE is optional in a master playlist: show the column only when some rendition has it.
    var hasFps = levels.some(function (l) { return l.frameRate > 0; });
    document.getElementById('ladder').classList.toggle('no-fps', !hasFps);
    // Highest first, as the ladder files list them.
    var order = levels.map(function (l, i) { return i; }).sort(function (a, b) { return levels[b].bitrate - levels[a].bitrate; });
    order.forEach(function (i) {
      var l = levels[i];
      var tr = document.createElement('tr');
      tr.dataset.level = String(i);
      if (i === playingLevel) tr.className = 'playing';
      else if (i === loadingLevel) tr.className = 'loading';
      [levelName(l), formatBitrate(l.bitrate), l.frameRate ? String(Math.round(l.frameRate * 100) / 100) : '–'].forEach(function (text) {
        var td = document.createElement('td');
        td.textContent = text;
        tr.appendChild(td);
      });
      ladderBody.appendChild(tr);
    });
  }

  function noteLoaded(frag, bytes) {
    if (!frag || frag.type !== 'main' || !(frag.duration > 0) || !(bytes > 0)) return;
    var list = loadedByLevel[frag.level] || (loadedByLevel[frag.level] = []);
    list.push({ bytes: bytes, seconds: frag.duration });
    if (list.length > MEASURE_SEGMENTS) list.shift();
  }

  function measuredBitrate(level) {
    var list = loadedByLevel[level];
    if (!list || !list.length) return NaN;
    var bytes = 0, seconds = 0;
    list.forEach(function (x) { bytes += x.bytes; seconds += x.seconds; });
    return (bytes * 8) / seconds;
  }

  function renderPicker() {
    var manual = hls && !hls.autoLevelEnabled ? hls.currentLevel : -1;
    picker.textContent = '';
    var auto = document.createElement('option');
    auto.value = '-1';
    auto.textContent = 'Auto (ABR)';
    picker.appendChild(auto);
    levels.map(function (l, i) { return i; }).sort(function (a, b) { return levels[b].bitrate - levels[a].bitrate; }).forEach(function (i) {
      var o = document.createElement('option');
      o.value = String(i);
      o.textContent = levelName(levels[i]) + ' · ' + formatBitrate(levels[i].bitrate);
      picker.appendChild(o);
    });
    picker.value = String(manual);
  }

  picker.addEventListener('change', function () {
    if (!hls) return;
    // currentLevel switches at once (flushing the buffer); -1 hands the choice back to ABR.
    hls.currentLevel = Number(picker.value);
  });

  function play() {
    var p = video.play();
    if (p && p.catch) p.catch(function () { /* autoplay refused: the controls are there */ });
  }

  function scheduleRestart(reason, delayMs) {
    showBanner(reason + ' Retrying in ' + Math.round(delayMs / 1000) + ' s…', 'info');
    clearTimeout(restartTimer);
    restartTimer = setTimeout(start, delayMs);
  }

  function start() {
    clearTimeout(restartTimer);
    if (hls) { hls.destroy(); hls = null; }

    if (!window.Hls || !Hls.isSupported()) {
      // Safari on iOS has no MediaSource but plays HLS natively.
      if (video.canPlayType('application/vnd.apple.mpegurl')) {
        video.src = src;
        play();
        $('s-state').textContent = 'native HLS';
        return;
      }
      showBanner('This browser can play neither HLS nor Media Source Extensions.');
      return;
    }

    window.__player.liveSync = null;
    // A restart begins at normal speed, whatever the page or the viewer had set before.
    pageCatchingUp = false;
    viewerPickedRate = false;
    video.playbackRate = 1;
    hls = new Hls({
      // LL-HLS (hls.js's default): the local low mode's playlists list parts and hold a reload until
      // the next part (CAN-BLOCK-RELOAD), and hls.js then plays PART-HOLD-BACK behind the newest
      // part, speeding up to 1.1x when it falls behind. It needs both: reading parts from playlists
      // that cannot block, it froze for 25 s in the latency bench (load 5-7). Streams without parts
      // play as before.
      lowLatencyMode: true,
      // Keep memory flat over a long live event.
      backBufferLength: 30,
      liveDurationInfinity: true,
      enableWorker: true,
    });
    window.__player.hls = hls;

    hls.on(Hls.Events.MANIFEST_PARSED, function (_e, data) {
      levels = data.levels || hls.levels;
      renderLadder();
      renderPicker();
      play();
    });
    hls.on(Hls.Events.LEVEL_LOADED, function (_e, data) {
      // The live-sync settings follow the segment length (live-sync.js); hls.js reads its config
      // as it plays, so settings made here apply from the first level on.
      var details = data.details;
      if (!details || !details.live || window.__player.liveSync) return;
      // hls.js in lowLatencyMode sits PART-HOLD-BACK behind whenever the playlist gives one.
      var sync = window.livestreamLiveSync(details.targetduration, details.partHoldBack > 0 ? details.partHoldBack : 0);
      window.__player.liveSync = sync;
      hls.config.liveSyncDurationCount = sync.liveSyncDurationCount;
      hls.config.liveMaxLatencyDurationCount = sync.liveMaxLatencyDurationCount;
      hls.config.maxLiveSyncPlaybackRate = sync.maxLiveSyncPlaybackRate;
      $('s-mode').textContent = sync.mode + ' (' + details.targetduration + ' s segments)';
    });
    hls.on(Hls.Events.LEVEL_SWITCHING, function (_e, data) {
      loadingLevel = data.level;
      renderLadder();
    });
    hls.on(Hls.Events.LEVEL_SWITCHED, function (_e, data) {
      playingLevel = data.level;
      loadingLevel = -1;
      renderLadder();
    });
    hls.on(Hls.Events.FRAG_LOADED, function (_e, data) {
      // The payload has gone to the transmuxer worker by now (byteLength 0): the loader's stats hold the size.
      noteLoaded(data.frag, data.frag && data.frag.stats ? data.frag.stats.loaded : 0);
    });
    hls.on(Hls.Events.FRAG_BUFFERED, function () {
      if (!banner.hidden && banner.classList.contains('info')) hideBanner();
    });
    hls.on(Hls.Events.ERROR, function (_e, data) {
      if (!data.fatal) return; // hls.js retries these itself (a late segment, a slate's discontinuity).
      recoveredErrors++;
      var what = data.details || data.type;
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
        if (/^manifest/i.test(String(data.details)) || !levels.length) {
          // The stream may not be up yet (channel starting): start over until it is.
          scheduleRestart('The stream is not available (' + what + ').', 3000);
        } else {
          showBanner('Network error (' + what + '). Reconnecting…', 'info');
          hls.startLoad();
        }
      } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
        var now = Date.now();
        showBanner('Media error (' + what + '). Recovering…', 'info');
        // Twice in a row: swap the audio codec hint first, as hls.js's own demo does.
        if (now - lastMediaRecovery < 3000) hls.swapAudioCodec();
        lastMediaRecovery = now;
        hls.recoverMediaError();
      } else {
        scheduleRestart('Playback failed (' + what + ').', 3000);
      }
    });

    hls.loadSource(src);
    hls.attachMedia(video);
    $('s-state').textContent = 'loading';
  }

  function bufferAhead() {
    var t = video.currentTime;
    for (var i = 0; i < video.buffered.length; i++) {
      if (video.buffered.start(i) <= t + 0.1 && t <= video.buffered.end(i)) return video.buffered.end(i) - t;
    }
    return 0;
  }

  function isLive() {
    if (!hls || !levels.length) return false;
    var l = hls.levels[hls.currentLevel >= 0 ? hls.currentLevel : 0];
    return !!(l && l.details && l.details.live);
  }

  function latency() {
    if (!hls) return NaN;
    if (isFinite(hls.latency) && hls.latency > 0) return hls.latency;
    var edge = hls.liveSyncPosition;
    return edge != null && isFinite(edge) ? edge - video.currentTime : NaN;
  }

  /**
   * The viewer's true delay: now minus the EXT-X-PROGRAM-DATE-TIME of the frame on screen (hls.js
   * maps the playback position to the playlist's program date time). The encoder stamps PDT from
   * the wall clock when a frame enters the stack, so this is the whole path: source, encoder, origin,
   * edge, the player's buffer. The live-edge latency leaves out everything before the playlist.
   */
  function delayBehindRealTime() {
    var d = hls && hls.playingDate;
    return d && isFinite(d.getTime()) ? (Date.now() - d.getTime()) / 1000 : NaN;
  }

  function updateUnmute() {
    unmute.hidden = !video.muted || !!video.error;
  }

  unmute.addEventListener('click', function () {
    video.muted = false;
    if (video.volume === 0) video.volume = 1;
    play();
  });
  video.addEventListener('volumechange', updateUnmute);

  /**
   * Back to the delay the stream can hold, by the true delay (live-sync.js catchUpRate). While it
   * catches up, hls.js's own catch-up (by its estimate of the live edge) is held at 1x so the two
   * do not take turns with the rate.
   */
  var pageCatchingUp = false;
  var viewerPickedRate = false;
  function catchUp() {
    var sync = window.__player.liveSync;
    if (!hls || !sync || video.paused) return;
    if (!isLive()) {
      if (pageCatchingUp) stopCatchingUp();
      return;
    }
    if (holdForViewerRate()) return;
    if (viewerPickedRate) {
      viewerPickedRate = false;
      hls.config.maxLiveSyncPlaybackRate = sync.maxLiveSyncPlaybackRate;
    }
    var details = hls.levels[hls.currentLevel] && hls.levels[hls.currentLevel].details;
    // A rate hls.js raised itself (its own catch-up in low mode) is its to bring back: the page
    // judges from 1x unless it is the one catching up, so the two never take turns.
    var rate = window.livestreamCatchUpRate(delayBehindRealTime(), bufferAhead(), details ? details.targetduration : NaN, pageCatchingUp ? video.playbackRate : 1, sync.catchUpRate, sync.behindEdgeSeconds);
    if (rate === null) return;
    if (rate > 1) {
      pageCatchingUp = true;
      hls.config.maxLiveSyncPlaybackRate = 1;
      video.playbackRate = rate;
    } else {
      stopCatchingUp();
    }
  }
  /**
   * The viewer's speed stays: the page stops catching up, and hls.js's own catch-up (which would set
   * 1x or 1.1x at its next timeupdate, every quarter second) is held at 1x until the viewer is back
   * at 1x. Run at once on 'ratechange', before hls.js's next timeupdate, and on every catch-up tick.
   */
  function holdForViewerRate() {
    var sync = window.__player.liveSync;
    if (!hls || !sync || !window.livestreamViewerChoseRate(video.playbackRate, sync)) return false;
    pageCatchingUp = false;
    viewerPickedRate = true;
    hls.config.maxLiveSyncPlaybackRate = 1;
    return true;
  }
  video.addEventListener('ratechange', holdForViewerRate);
  function stopCatchingUp() {
    pageCatchingUp = false;
    video.playbackRate = 1;
    var sync = window.__player.liveSync;
    if (hls && sync) hls.config.maxLiveSyncPlaybackRate = sync.maxLiveSyncPlaybackRate;
  }

  function updateStats() {
    var state = video.error ? 'error' : video.paused ? (video.readyState < 3 ? 'buffering' : 'paused') : video.readyState < 3 ? 'stalled' : 'playing';
    $('s-state').textContent = state + (hls && levels.length ? (isLive() ? ' · live' : ' · on demand') : '');
    $('s-level').textContent = playingLevel >= 0 ? levelName(levels[playingLevel]) + (hls && hls.autoLevelEnabled ? ' (auto)' : ' (fixed)') : '–';
    $('s-size').textContent = video.videoWidth ? video.videoWidth + 'x' + video.videoHeight : '–';
    $('s-buffer').textContent = formatSeconds(bufferAhead());
    var delay = delayBehindRealTime();
    $('s-delay').textContent = isFinite(delay) ? formatSeconds(delay) : hls && levels.length ? 'no program date time' : '–';
    $('s-latency').textContent = isLive() ? formatSeconds(latency()) : 'not live';
    $('s-measured').textContent = playingLevel >= 0 ? formatBitrate(measuredBitrate(playingLevel)) : '–';
    $('s-bandwidth').textContent = hls ? formatBitrate(hls.bandwidthEstimate) : '–';
    var q = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : null;
    $('s-dropped').textContent = q ? q.droppedVideoFrames + ' of ' + q.totalVideoFrames : '–';
    $('s-time').textContent = formatSeconds(video.currentTime);
    $('s-errors').textContent = String(recoveredErrors);
    $('s-stalls').textContent = String(window.__player.stalls);
  }

  /** Every few seconds while playing, the delay goes to the local stack's dashboard and status. */
  var REPORT_MS = 5000;
  function reportDelay() {
    var delay = delayBehindRealTime();
    if (!stackApi || video.paused || !isFinite(delay)) return;
    fetch('../api/viewer-delay', { method: 'POST', body: JSON.stringify({ delaySeconds: Math.round(delay * 1000) / 1000 }), keepalive: true }).catch(function () {});
  }
  window.__player.delay = delayBehindRealTime;

  var everPlayed = false;
  video.addEventListener('waiting', function () {
    if (everPlayed) window.__player.stalls++;
  });

  video.addEventListener('playing', function () {
    everPlayed = true;
    if (!banner.hidden && banner.classList.contains('info')) hideBanner();
  });

  updateUnmute();
  setInterval(updateStats, 500);
  setInterval(catchUp, 500);
  setInterval(reportDelay, REPORT_MS);
  start();
})();
