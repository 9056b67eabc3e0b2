// livestream dashboard: the guide's Appendix D panels (from the origin's access log), what viewers
// got from the edge, and the channel's health, as uPlot charts refreshed every 5 s from
// ../api/dashboard. Every chart spans the same time (the stack's start to now) with the same ticks.
// Plain script.
(function () {
  'use strict';

  var REFRESH_MS = 5000;
  var HEIGHT = 160;
  var $ = function (id) { return document.getElementById(id); };
  var banner = $('banner');

  var charts = {};
  var panelEls = {};
  var windowRange = null; // [from, to] in epoch seconds, shared by every chart
  var TIME_TICKS = 4; // at most this many time ticks on every chart, whatever its width: the rows line up, the narrowest has room
  var TICK_STEPS = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
  window.__dashboard = { charts: charts, data: null, status: null, updates: 0 };

  var playback = new URL('../stream/index.m3u8', location.href).href;
  $('playback-url').textContent = playback;
  $('playback-url').href = playback;

  // ---- formatting -------------------------------------------------------------------------
  function formatValue(unit, v) {
    if (v == null || !isFinite(v)) return '–';
    if (unit === 'bit/s') {
      if (v >= 1e6) return (v / 1e6).toFixed(2) + ' Mb/s';
      if (v >= 1e3) return Math.round(v / 1e3) + ' kb/s';
      return Math.round(v) + ' b/s';
    }
    if (unit === 'ms') return v < 10 ? v.toFixed(2) + ' ms' : Math.round(v) + ' ms';
    if (unit === '× real time') return v.toFixed(2) + '×';
    if (unit === 'fps') return (Math.round(v * 10) / 10) + ' fps';
    if (unit === 's') return (v < 10 ? Math.round(v * 10) / 10 : Math.round(v)) + ' s';
    if (unit === '%') return (Math.round(v * 10) / 10) + ' %';
    if (unit === 'requests/s' || unit === 'responses/s') return (v < 10 ? Math.round(v * 100) / 100 : Math.round(v)) + '/s';
    return String(Math.round(v * 100) / 100);
  }
  function formatAxis(unit, v) {
    if (unit === 'bit/s') return v >= 1e6 ? (v / 1e6) + 'M' : v >= 1e3 ? (v / 1e3) + 'k' : String(v);
    return String(v);
  }

  // ---- colours: status panels by class, latency avg solid / p99 dashed --------------------
  var COUNT_UNITS = ['requests/min', 'count', '1 = yes'];
  var INTEGER_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6];
  var PALETTE = ['#4aa3ff', '#f5a524', '#3ecf8e', '#c678dd', '#ff5d5d'];
  var STATUS_COLOURS = { '2xx': '#3ecf8e', '4xx': '#f5a524', '5xx': '#ff5d5d' };
  function seriesStyle(panel, s, i) {
    var m = /-(2xx|4xx|5xx)$/.exec(panel.id);
    if (m) return { stroke: STATUS_COLOURS[m[1]], dash: i > 0 ? [6, 4] : undefined };
    if (/latency$/.test(panel.id)) {
      return { stroke: /^TotalTime/.test(s.label) ? '#f5a524' : '#4aa3ff', dash: /p99/.test(s.label) ? [6, 4] : undefined };
    }
    return { stroke: PALETTE[i % PALETTE.length] };
  }

  // ---- charts ------------------------------------------------------------------------------
  function chartWidth(el) { return Math.max(200, el.clientWidth - 4); }

  function makePanel(container, panel) {
    var box = document.createElement('section');
    box.className = 'panel';
    box.dataset.panel = panel.id;
    var h = document.createElement('h3');
    h.textContent = panel.title + ' ';
    var unit = document.createElement('span');
    unit.className = 'unit';
    unit.textContent = '(' + panel.unit + ')';
    h.appendChild(unit);
    var note = document.createElement('p');
    note.className = 'empty';
    var chartEl = document.createElement('div');
    chartEl.className = 'chart';
    box.appendChild(h);
    box.appendChild(note);
    box.appendChild(chartEl);
    container.appendChild(box);

    var axisStyle = { stroke: '#8b93a3', grid: { stroke: '#262b35', width: 1 }, ticks: { stroke: '#2a2f3a', width: 1 } };
    var yAxis = Object.assign({}, axisStyle, { size: 52, values: function (u, splits) { return splits.map(function (v) { return formatAxis(panel.unit, v); }); } });
    // Counts are whole numbers: no 0.5 ticks.
    if (COUNT_UNITS.indexOf(panel.unit) !== -1) yAxis.incrs = INTEGER_INCRS;
    var opts = {
      width: chartWidth(chartEl),
      height: HEIGHT,
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true, range: function (u, min, max) { return windowRange || [min, max]; } },
        y: {
          range: function (u, min, max) {
            // Counts start at zero; an all-zero panel still shows a sensible 0..1 axis.
            var hi = max > 0 ? max * 1.1 : 1;
            return [Math.min(0, min || 0), hi];
          },
        },
      },
      axes: [
        Object.assign({}, axisStyle, {
          // The same ticks and clock format on every chart (uPlot would pick them by each chart's width).
          splits: function (u, i, min, max) { return timeSplits(min, max); },
          values: function (u, splits) { return splits.map(function (t) { return formatClock(t); }); },
        }),
        yAxis,
      ],
      hooks: {
        // Out of hover, the legend shows the latest values rather than dashes.
        setData: [showLatest],
        setCursor: [function (u) { if (u.cursor.idx == null) showLatest(u); }],
      },
      // The legend's time in the axis's clock format (uPlot's default is a date in another format).
      series: [{ label: 'time', value: function (u, v) { return v == null ? '–' : formatClock(v, true); } }].concat(panel.series.map(function (s, i) {
        var st = seriesStyle(panel, s, i);
        return {
          label: s.label,
          stroke: st.stroke,
          dash: st.dash,
          width: 1.6,
          points: { show: false },
          spanGaps: false,
          value: function (u, v) { return formatValue(panel.unit, v); },
        };
      })),
    };
    var chart = new uPlot(opts, toData(panel), chartEl);
    charts[panel.id] = chart;
    panelEls[panel.id] = { box: box, note: note, chartEl: chartEl };
    return chart;
  }

  function showLatest(u) {
    var n = u.data[0].length;
    if (n === 0 || u.cursor.idx != null) return;
    var idx = n - 1;
    // The newest point with a value (a latency is null in a minute without a successful request yet).
    search: for (var i = n - 1; i >= 0; i--) {
      for (var j = 1; j < u.data.length; j++) if (u.data[j][i] != null) { idx = i; break search; }
    }
    u.setLegend({ idx: idx });
  }

  function tickStep() {
    var span = windowRange ? windowRange[1] - windowRange[0] : 3600;
    for (var i = 0; i < TICK_STEPS.length; i++) if (span / TICK_STEPS[i] <= TIME_TICKS) return TICK_STEPS[i];
    return TICK_STEPS[TICK_STEPS.length - 1];
  }

  /** Round clock times (a multiple of the step) between min and max, epoch seconds. */
  function timeSplits(min, max) {
    var step = tickStep();
    var out = [];
    for (var t = Math.ceil(min / step) * step; t <= max; t += step) out.push(t);
    return out;
  }

  // One clock format for every chart: seconds only when the ticks are less than a minute apart.
  function formatClock(t, withSeconds) {
    var d = new Date(t * 1000);
    var hm = String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
    return withSeconds || tickStep() < 60 ? hm + ':' + String(d.getSeconds()).padStart(2, '0') : hm;
  }

  function toData(panel) {
    return [panel.time].concat(panel.series.map(function (s) { return s.values; }));
  }

  function emptyNote(panel) {
    var any = panel.series.some(function (s) { return s.values.some(function (v) { return v != null && v !== 0; }); });
    if (any) return '';
    if (/^health-/.test(panel.id)) {
      if (!panel.time.length) return 'No report from the encoder yet.';
      if (panel.id === 'health-input-loss') return 'No loss in the window.';
      var reported = panel.series.some(function (s) { return s.values.some(function (v) { return v != null; }); });
      return reported ? '' : 'Not reported by this encoder.';
    }
    if (/^viewer-/.test(panel.id)) return panel.time.length ? (panel.id === 'viewer-errors' ? 'None in the window.' : 'No viewers in the window.') : 'Collecting (one point every 5 s)…';
    if (/latency$/.test(panel.id)) return 'No successful requests in the window.';
    return /-(4xx|5xx)$/.test(panel.id) ? 'None in the window.' : 'No requests in the window.';
  }

  function updatePanels(container, panels) {
    panels.forEach(function (panel) {
      var chart = charts[panel.id] || makePanel(container, panel);
      chart.setData(toData(panel));
      panelEls[panel.id].note.textContent = emptyNote(panel);
    });
  }

  // ---- header ------------------------------------------------------------------------------
  function setPill(el, text, kind) {
    el.textContent = text;
    el.className = 'pill' + (kind ? ' ' + kind : '');
  }

  function pick(obj, paths) {
    for (var i = 0; i < paths.length; i++) {
      var v = paths[i].split('.').reduce(function (o, k) { return o && typeof o === 'object' ? o[k] : undefined; }, obj);
      if (v !== undefined && v !== null) return v;
    }
    return undefined;
  }

  function updateHeader(data, status) {
    var latest = data && data.health ? data.health.latest : null;
    var state = pick(status, ['channel.state', 'channelState', 'state']) || (latest && latest.state) || 'unknown';
    state = String(state);
    var kind = /^(running|RUNNING)$/.test(state) ? 'good' : /^(starting|stopping|idle|IDLE|STARTING|STOPPING|recovering)$/i.test(state) ? 'warn' : /fail|error|crash|dead/i.test(state) ? 'bad' : '';
    setPill($('h-state'), state, kind);

    var connected = pick(status, ['input.connected', 'inputConnected']);
    if (connected === undefined && latest) connected = latest.inputConnected;
    if (connected === undefined) setPill($('h-input'), '–', '');
    else if (connected) setPill($('h-input'), 'connected', 'good');
    else {
      var lost = latest && latest.inputLossSeconds ? ' ' + Math.round(latest.inputLossSeconds) + ' s' : '';
      setPill($('h-input'), 'lost' + lost, 'bad');
    }

    var viewers = pick(status, ['viewers', 'edge.viewers']);
    $('h-viewers').textContent = typeof viewers === 'number' ? String(viewers) : '–';
    $('h-updated').textContent = new Date().toLocaleTimeString();
  }

  // ---- refresh loop ------------------------------------------------------------------------
  function getJson(path) {
    return fetch(path, { cache: 'no-store' }).then(function (r) {
      if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
      return r.json();
    });
  }

  function refresh() {
    return Promise.all([getJson('../api/dashboard'), getJson('../api/status').catch(function () { return null; })])
      .then(function (res) {
        var data = res[0];
        var status = res[1];
        windowRange = [data.range.from, data.range.to];
        updatePanels($('origin-panels'), data.panels);
        updatePanels($('viewer-panels'), data.edge.panels);
        updatePanels($('health-panels'), data.health.panels);
        updateHeader(data, status);
        window.__dashboard.data = data;
        window.__dashboard.status = status;
        window.__dashboard.updates++;
        banner.hidden = true;
      })
      .catch(function (err) {
        banner.textContent = 'Cannot reach the stack (' + err.message + '). Is it still up? Retrying every ' + REFRESH_MS / 1000 + ' s.';
        banner.hidden = false;
      });
  }

  getJson('../api/info').then(function (info) {
    $('stack-name').textContent = info.stackName;
    document.title = info.stackName + ' · livestream dashboard';
  }, function () {});

  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      Object.keys(charts).forEach(function (id) {
        charts[id].setSize({ width: chartWidth(panelEls[id].chartEl), height: HEIGHT });
      });
    }, 100);
  });

  refresh();
  setInterval(refresh, REFRESH_MS);
})();
