// The live meter: reads /events (Server-Sent Events, one "report" per source per report interval) and draws at
// the display's frame rate. Reports carry the meter's ballistics (bar, peak hold, clip light); between reports
// the bars fall smoothly toward the latest values instead of stepping. The loudness history comes from the
// server (/api/history: one summary per second for 24 h, in at most 600 buckets), so a reload keeps it; live
// reports are folded into its newest bucket the way the server folds them (minimum and maximum per bucket).
"use strict";

(() => {
  const FALL = 20 / 1.7;     // dB/s: IEC 60268-18, 20 dB in 1.7 s
  const STALE = 3000;        // ms without data before the indicator turns red
  const LU_TOP = 0, LU_BOTTOM = -60; // history range
  // The history windows: length in seconds, and the spacing of the time axis' labels.
  const WINDOWS = {
    "1m": { secs: 60, tick: 10, unit: 1, suffix: "s" },
    "10m": { secs: 600, tick: 120, unit: 60, suffix: "m" },
    "1h": { secs: 3600, tick: 600, unit: 60, suffix: "m" },
    "24h": { secs: 86400, tick: 4 * 3600, unit: 3600, suffix: "h" },
  };
  const MAX_POINTS = 600;    // the server's MaxHistoryPoints

  // The bar scale: more resolution at the top, where engineers read it.
  const KNEES = [[-60, 0], [-40, 0.15], [-20, 0.45], [0, 1]];
  const TICKS = [0, -3, -6, -9, -12, -18, -24, -30, -40, -50, -60];
  const fraction = (db) => {
    if (db === null || !(db > KNEES[0][0])) return 0;
    if (db >= 0) return 1;
    for (let i = 1; i < KNEES.length; i++) {
      const [d1, f1] = KNEES[i], [d0, f0] = KNEES[i - 1];
      if (db <= d1) return f0 + (f1 - f0) * (db - d0) / (d1 - d0);
    }
    return 1;
  };
  const root = document.documentElement.style;
  root.setProperty("--y18", (fraction(-18) * 100).toFixed(2) + "%");
  root.setProperty("--y6", (fraction(-6) * 100).toFixed(2) + "%");

  const $ = (el, sel) => el.querySelector(sel);
  const num = (v) => (v === null || v === undefined ? -Infinity : v);
  const fmt = (v, digits = 1) => (v === null || v === undefined || !isFinite(v) ? "—" : v.toFixed(digits));
  // A level of null is silence (-Inf: digital silence, or loudness below the meter's floor of -120 LUFS, which
  // the logs and the JSON also give as null): shown as −∞, never as a made-up number.
  const MINUS_INF = "\u2212\u221e";
  const fmtLU = (v) => (v === null || v === undefined || !isFinite(v) ? MINUS_INF : v.toFixed(1));
  const fmtDB = (v) => (v === null || v === undefined || !isFinite(v) ? MINUS_INF : v.toFixed(1));
  const group = (n) => n.toLocaleString("en-US").replace(/,/g, "\u2009");
  const duration = (s) => {
    s = Math.floor(s);
    const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, ss = s % 60;
    return `${h}:${String(m).padStart(2, "0")}:${String(ss).padStart(2, "0")}`;
  };
  // Channel labels come with every report (the source's layout); a report without them is numbered.
  const channelNames = (u) => u.channels.map((_, i) => (u.labels && u.labels[i]) || String(i + 1));
  const ALARM_TITLES = {
    silence: "Silence", clipping: "Clipping", true_peak_over: "True peak over", loudness_high: "Loudness high",
    loudness_low: "Loudness low", phase_inverted: "Phase inverted", channel_dead: "Channel dead",
    dc_offset: "DC offset", source_stalled: "Source stalled",
  };
  const alarmText = (name) => ALARM_TITLES[name] || name.replace(/_/g, " ");

  // State visible to tests and to curious engineers in the console.
  const state = { connected: false, updates: 0, sources: {}, version: "", window: "1m", skew: 0 };
  try {
    const w = localStorage.getItem("levelmeter.window");
    if (w && WINDOWS[w]) state.window = w;
  } catch (e) { /* storage disabled: the default view */ }
  window.levelmeter = state;

  const main = $(document, "#sources");
  const overview = $(document, "#overview"), rows = $(document, "#ov-rows");
  const conn = $(document, "#conn"), connText = $(document, "#conn-text");
  const cardTpl = $(document, "#card"), chTpl = $(document, "#channel"), rowTpl = $(document, "#row");
  // The server's clock: report and history times are the server's; the browser's may differ.
  const serverNow = () => Date.now() + state.skew;

  function setConn(s, text) {
    if (conn.dataset.state !== s) conn.dataset.state = s;
    if (connText.textContent !== text) connText.textContent = text;
  }

  function makeScale(el) {
    for (const t of TICKS) {
      const s = document.createElement("span");
      s.textContent = t === 0 ? "0" : String(t);
      s.style.bottom = (fraction(t) * 100).toFixed(2) + "%";
      el.appendChild(s);
    }
  }

  function makeSource(name) {
    const card = cardTpl.content.firstElementChild.cloneNode(true);
    card.dataset.source = name;
    $(card, ".name").textContent = name;
    makeScale($(card, ".scale"));
    // Cards and rows in name order.
    const after = [...main.querySelectorAll(".card")].find((c) => c.dataset.source > name);
    main.insertBefore(card, after || null);
    const row = rowTpl.content.firstElementChild.cloneNode(true);
    row.dataset.source = name;
    $(row, ".ov-name").textContent = name;
    $(row, ".ov-name").title = name;
    const rowAfter = [...rows.children].find((r) => r.dataset.source > name);
    rows.insertBefore(row, rowAfter || null);
    const show = () => {
      card.scrollIntoView({ behavior: "smooth", block: "start" });
      card.classList.remove("flash");
      void card.offsetWidth; // restart the highlight
      card.classList.add("flash");
    };
    row.addEventListener("click", show);
    row.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); show(); } });
    overview.hidden = false;
    $(document, "#empty").hidden = true;
    const src = {
      name, card, row, channels: [], lanes: [], last: null, nch: -1, alarmKey: "",
      hist: { window: "", step: 1, points: [], pending: [] },
      canvas: $(card, ".hist"),
      el: {
        format: $(card, ".format"), state: $(card, ".state"), bars: $(card, ".bars"), error: $(card, ".error"),
        badges: $(card, ".badges"), targetName: $(card, ".target-name"), targetDev: $(card, ".target-dev"),
        rowFormat: $(row, ".ov-format"), rowState: $(row, ".ov-state"), rowBadges: $(row, ".badges"),
        rowM: $(row, ".ov-m"), rowS: $(row, ".ov-s"), rowI: $(row, ".ov-i"), rowTP: $(row, ".ov-tp"),
        mini: $(row, ".mini"),
        momentary: $(card, ".momentary"), shortTerm: $(card, ".short-term"), integrated: $(card, ".integrated"),
        momentaryMax: $(card, ".momentary-max"), shortTermMax: $(card, ".short-term-max"),
        windows: $(card, ".windows"), windowsFact: $(card, ".windows-fact"),
        range: $(card, ".range"), tpMax: $(card, ".true-peak-max"), spMax: $(card, ".sample-peak-max"),
        corr: $(card, ".correlation"), corrMark: $(card, ".corr-mark"),
        captured: $(card, ".captured"), metered: $(card, ".metered"), dropped: $(card, ".dropped"),
        overflows: $(card, ".overflows"), restarts: $(card, ".restarts"), ringFill: $(card, ".ring-fill"),
        lost: $(card, ".lost"), latency: $(card, ".latency"),
        ringBar: $(card, ".ring-bar i"), ring: $(card, ".ring"), duration: $(card, ".duration"),
      },
    };
    state.sources[name] = src;
    fetchHistory(src);
    return src;
  }

  function makeChannels(src, u) {
    const n = u.channels.length;
    src.el.bars.textContent = "";
    src.el.mini.textContent = "";
    src.channels = [];
    src.lanes = [];
    const names = channelNames(u);
    src.labelKey = names.join(" ");
    for (let i = 0; i < n; i++) {
      const lane = document.createElement("i");
      lane.title = names[i];
      src.el.mini.appendChild(lane);
      src.lanes.push({ el: lane, shown: -1 });
      const el = chTpl.content.firstElementChild.cloneNode(true);
      $(el, ".ch-name").textContent = names[i];
      $(el, ".ch-name").title = names[i];
      src.el.bars.appendChild(el);
      src.channels.push({
        el, fill: $(el, ".fill"), hold: $(el, ".hold"), clip: $(el, ".clip"), holdV: $(el, ".hold-v"),
        rms: $(el, ".rms"), tp: $(el, ".tp"),
        peak: -Infinity, holdDB: -Infinity, target: -Infinity, targetHold: -Infinity, shown: -1, shownHold: -1,
      });
    }
    src.nch = n;
  }

  function set(el, text) { if (el.textContent !== text) el.textContent = text; }

  // badges fills el with one badge per active alarm.
  function badges(el, alarms, long) {
    el.textContent = "";
    for (const a of alarms) {
      const b = document.createElement("span");
      b.className = "badge";
      b.dataset.alarm = a.name;
      b.textContent = alarmText(a.name);
      const since = a.since ? new Date(a.since) : null;
      const value = a.value === null || a.value === undefined ? "" : ` · value ${a.value.toFixed(1)}`;
      b.title = `${alarmText(a.name)}${since ? " since " + since.toLocaleString([], { hour12: false }) : ""}${value}`;
      if (long && since) {
        const t = document.createElement("small");
        t.textContent = since.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
        b.appendChild(t);
      }
      el.appendChild(b);
    }
  }

  function onReport(u) {
    state.updates++;
    const t = Date.parse(u.time);
    if (isFinite(t) && !u.final) state.skew = t - Date.now();
    const src = state.sources[u.source] || makeSource(u.source);
    if (u.channels.length !== src.nch || channelNames(u).join(" ") !== src.labelKey) makeChannels(src, u);
    src.last = u;
    const e = src.el;
    const format = `${u.sampleRate ? (u.sampleRate / 1000).toLocaleString("en-US") + " kHz" : ""} · ${u.channels.length} ch`;
    set(e.format, format);
    set(e.rowFormat, format);
    src.card.classList.toggle("stopped", u.final);
    src.row.classList.toggle("stopped", u.final);
    const alarms = u.alarms || [];
    const status = u.final ? "stopped" : alarms.length ? "alarm" : "running";
    set(e.state, status);
    set(e.rowState, status);
    src.row.dataset.state = status;
    src.card.dataset.state = status;
    // A source that failed and was restarted runs on: its last error marks the row, and its card says it.
    src.row.classList.toggle("failed", !!u.lastError);
    src.row.title = u.lastError ? `${u.source}: ${u.lastError}` : u.source;
    e.error.hidden = !u.lastError;
    if (u.lastError) { set(e.error, u.lastError); e.error.title = u.lastError; }
    const alarmKey = alarms.map((a) => a.name + "@" + a.since).join(",");
    if (alarmKey !== src.alarmKey) {
      src.alarmKey = alarmKey;
      badges(e.badges, alarms, true);
      badges(e.rowBadges, alarms, false);
    }
    src.target = u.target || null;
    e.targetName.hidden = !src.target;
    if (src.target) {
      const tol = src.target.tolerance ? ` ±${src.target.tolerance}` : "";
      set(e.targetName, `${src.target.name ? src.target.name + " · " : ""}${src.target.lufs} LUFS${tol}`);
    }
    $(document, ".legend-target").hidden = !Object.values(state.sources).some((s) => s.target);

    u.channels.forEach((c, i) => {
      const ch = src.channels[i];
      ch.target = num(c.peak);
      ch.targetHold = num(c.hold);
      ch.clip.classList.toggle("on", !!c.clip);
      set(ch.holdV, fmt(c.hold));
      ch.holdV.classList.toggle("hot", num(c.hold) >= -1);
      set(ch.rms, fmtDB(c.rms));
      set(ch.tp, fmtDB(c.truePeak));
    });

    const L = u.loudness;
    set(e.momentary, fmtLU(L.momentary));
    set(e.shortTerm, fmtLU(L.shortTerm));
    set(e.integrated, fmtLU(L.integrated));
    // The sliding windows' integrated loudness (loudness_windows): "1m -23.1 · 10m -22.8 · 1h -23.0".
    const wins = L.windows || [];
    e.windowsFact.hidden = wins.length === 0;
    set(e.windows, wins.map((w) => `${w.span} ${fmtLU(w.integrated)}`).join(" \u00b7 "));
    set(e.rowM, fmtLU(L.momentary));
    set(e.rowS, fmtLU(L.shortTerm));
    set(e.rowI, fmtLU(L.integrated));
    set(e.rowTP, fmt(u.truePeakMax));
    // True peak is hot above the target's ceiling, or above -1 dBTP (EBU R 128's) without one, as on the card.
    const ceiling = src.target && src.target.maxTruePeak !== null ? src.target.maxTruePeak : -1;
    e.rowTP.classList.toggle("hot", num(u.truePeakMax) > ceiling);
    e.tpMax.classList.toggle("hot", num(u.truePeakMax) > ceiling);
    const dev = src.target && L.integrated !== null ? L.integrated - src.target.lufs : null;
    e.targetDev.hidden = dev === null;
    if (dev !== null) {
      set(e.targetDev, `${dev >= 0 ? "+" : "\u2212"}${Math.abs(dev).toFixed(1)} LU`);
      const off = src.target.tolerance && Math.abs(dev) > src.target.tolerance;
      e.targetDev.classList.toggle("off", !!off);
      e.rowI.classList.toggle("off", !!off);
    }
    set(e.momentaryMax, fmtLU(L.momentaryMax));
    set(e.shortTermMax, fmtLU(L.shortTermMax));
    set(e.range, fmt(L.range));
    set(e.tpMax, fmt(u.truePeakMax));
    set(e.spMax, fmt(u.samplePeakMax));
    e.spMax.classList.toggle("hot", num(u.samplePeakMax) >= 0);
    if (u.correlation === null) {
      set(e.corr, u.channels.length === 1 ? "mono" : "—");
      e.corr.classList.remove("neg");
      e.corrMark.classList.remove("on");
    } else {
      set(e.corr, (u.correlation > 0 ? "+" : "") + u.correlation.toFixed(2));
      e.corr.classList.toggle("neg", u.correlation < 0);
      e.corrMark.classList.add("on");
      e.corrMark.style.left = ((u.correlation + 1) * 50).toFixed(2) + "%";
    }

    const k = u.counters;
    set(e.captured, group(k.captured));
    set(e.metered, group(k.metered));
    set(e.dropped, group(k.dropped));
    set(e.overflows, group(k.overflows));
    set(e.restarts, group(k.restarts));
    set(e.lost, group(k.lost || 0));
    e.lost.parentElement.classList.toggle("bad", k.lost > 0);
    set(e.latency, u.latency === null || u.latency === undefined ? "—" : Math.round(u.latency * 1000) + " ms");
    e.dropped.parentElement.classList.toggle("bad", k.dropped > 0);
    e.overflows.parentElement.classList.toggle("bad", k.overflows > 0);
    e.restarts.parentElement.classList.toggle("bad", k.restarts > 0);
    const fill = k.ringCap > 0 ? k.ringFill / k.ringCap : 0;
    set(e.ringFill, Math.round(fill * 100) + " %");
    e.ringBar.style.width = (fill * 100).toFixed(1) + "%";
    e.ring.classList.toggle("high", fill > 0.75);
    if (u.sampleRate) set(e.duration, duration(k.metered / u.sampleRate));

    if (isFinite(t)) {
      const sample = {
        t: Math.floor(t / 1000), m: L.momentary, s: L.shortTerm,
        sp: u.channels.length ? u.channels.reduce((a, c) => Math.max(a, num(c.samplePeak)), -Infinity) : null,
        alarms: alarms.map((a) => a.name),
      };
      fold(src.hist, sample);
      src.hist.pending.push(sample);
      if (src.hist.pending.length > 1200) src.hist.pending.shift();
    }
  }

  // History. A bucket keeps the smallest and largest per-second maximum of each loudness: folding a sample in
  // twice changes nothing, so samples that arrive while the history is being fetched are simply folded again.
  const lo = (a, v) => (v === null || v === undefined ? a : a === null || a === undefined || v < a ? v : a);
  const hi = (a, v) => (v === null || v === undefined ? a : a === null || a === undefined || v > a ? v : a);
  function fold(h, x) {
    if (!h.window) return;
    const b = Math.floor(x.t / h.step) * h.step;
    const pts = h.points;
    let p = pts.length ? pts[pts.length - 1] : null;
    if (!p || b > p.t) {
      // A new bucket: per-second maxima start where this second's values are, NaN-free (null: none).
      p = { t: b, momentary: [null, null], shortTerm: [null, null], samplePeak: null, truePeak: null, alarms: [], live: true };
      pts.push(p);
      const from = Math.floor(serverNow() / 1000) - WINDOWS[h.window].secs - h.step;
      while (pts.length && pts[0].t < from) pts.shift();
    } else if (b < p.t) {
      return; // older than the newest bucket: the server has it
    }
    // A live sample is one report, not a second's maximum; within a one-second bucket the maximum is right.
    const m = x.m === null ? -Infinity : x.m, s = x.s === null ? -Infinity : x.s;
    if (p.live) {
      p.sec = p.sec || {};
      const k = p.sec[x.t] || (p.sec[x.t] = { m: -Infinity, s: -Infinity });
      k.m = Math.max(k.m, m);
      k.s = Math.max(k.s, s);
      p.momentary = [lo(p.momentary[0], k.m), hi(p.momentary[1], k.m)];
      p.shortTerm = [lo(p.shortTerm[0], k.s), hi(p.shortTerm[1], k.s)];
    } else {
      p.momentary = [p.momentary[0], hi(p.momentary[1], m)];
      p.shortTerm = [p.shortTerm[0], hi(p.shortTerm[1], s)];
    }
    for (const a of x.alarms) if (!(p.alarms || (p.alarms = [])).includes(a)) p.alarms.push(a);
  }

  function fetchHistory(src) {
    const h = src.hist, w = state.window;
    h.window = "";
    h.pending = [];
    src.historyLoaded = false;
    fetch(`api/history?source=${encodeURIComponent(src.name)}&window=${w}`, { cache: "no-store" })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`history of ${src.name}: ${r.status}`))))
      .then((data) => {
        if (state.window !== w) return; // the view changed meanwhile; its own fetch follows
        h.window = w;
        h.step = data.step;
        h.points = data.points.map((p) => ({ ...p, momentary: p.momentary.map((v) => v === null ? -Infinity : v), shortTerm: p.shortTerm.map((v) => v === null ? -Infinity : v) }));
        for (const x of h.pending) fold(h, x);
        h.pending = [];
        src.historyLoaded = true;
      })
      .catch(() => {
        // The source is not known yet (404 before its first report reached the server) or the server is
        // away: draw the live samples and ask again shortly.
        setTimeout(() => { if (!h.window && state.window === w) fetchHistory(src); }, 2000);
      });
  }

  function setWindow(w) {
    if (!WINDOWS[w] || state.window === w) return;
    state.window = w;
    try { localStorage.setItem("levelmeter.window", w); } catch (e) { /* the view is not remembered */ }
    pressed();
    for (const name in state.sources) fetchHistory(state.sources[name]);
  }
  function pressed() {
    for (const b of document.querySelectorAll("#views button")) b.setAttribute("aria-pressed", String(b.dataset.window === state.window));
  }
  for (const b of document.querySelectorAll("#views button")) b.addEventListener("click", () => setWindow(b.dataset.window));
  pressed();

  // Animation: once per display frame.
  let lastFrame = performance.now();
  function frame(now) {
    const dt = Math.min(0.25, (now - lastFrame) / 1000);
    lastFrame = now;
    for (const name in state.sources) {
      const src = state.sources[name];
      for (const ch of src.channels) {
        ch.peak = approach(ch.peak, ch.target, dt);
        ch.holdDB = approach(ch.holdDB, ch.targetHold, dt);
        const f = fraction(ch.peak), h = fraction(ch.holdDB);
        if (Math.abs(f - ch.shown) > 0.0005) {
          ch.fill.style.clipPath = `inset(${((1 - f) * 100).toFixed(2)}% 0 0 0)`;
          ch.fill.dataset.db = isFinite(ch.peak) ? ch.peak.toFixed(2) : "-inf";
          ch.shown = f;
        }
        if (Math.abs(h - ch.shownHold) > 0.0005) {
          ch.hold.style.transform = `translateY(${(-h * ch.hold.parentElement.clientHeight).toFixed(1)}px)`;
          ch.hold.classList.toggle("on", h > 0);
          ch.shownHold = h;
        }
      }
      src.lanes.forEach((lane, i) => {
        const f = src.channels[i] ? src.channels[i].shown : 0;
        if (Math.abs(f - lane.shown) > 0.002) {
          lane.el.style.clipPath = `inset(0 ${((1 - f) * 100).toFixed(1)}% 0 0)`;
          lane.shown = f;
        }
      });
      drawHistory(src);
    }
    if (state.connected) {
      const age = now - lastData;
      if (age > STALE) setConn("stale", "no data " + Math.round(age / 1000) + " s");
      else setConn("live", "live");
    }
    requestAnimationFrame(frame);
  }

  // approach moves a displayed level toward its target: up at once (instant attack), down at the meter's
  // return rate, faster when far behind (a source that stopped).
  function approach(shown, target, dt) {
    if (!(target > -Infinity)) target = -200;
    if (!(shown > -Infinity)) shown = -200;
    if (target >= shown) return target;
    const step = Math.max(FALL * dt, (shown - target) * Math.min(1, dt * 10));
    return Math.max(target, shown - step);
  }

  function drawHistory(src) {
    const cv = src.canvas, dpr = window.devicePixelRatio || 1;
    const w = Math.round(cv.clientWidth * dpr), h = Math.round(cv.clientHeight * dpr);
    if (w === 0 || h === 0) return;
    if (cv.width !== w || cv.height !== h) { cv.width = w; cv.height = h; }
    const g = cv.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    const win = WINDOWS[state.window], span = win.secs, now = serverNow() / 1000;
    const hist = src.hist, step = hist.window ? hist.step : Math.max(1, Math.ceil(span / MAX_POINTS));
    const W = w / dpr, H = h / dpr, padL = 34, padB = 16, padT = 8, padR = 8;
    const x = (t) => padL + (W - padL - padR) * (1 - (now - t) / span);
    const y = (lu) => padT + (H - padT - padB) * (LU_TOP - Math.max(LU_BOTTOM, Math.min(LU_TOP, lu))) / (LU_TOP - LU_BOTTOM);
    g.clearRect(0, 0, W, H);

    const mono = getComputedStyle(document.body).getPropertyValue("--mono");
    g.font = "10px " + mono;
    g.textBaseline = "middle";
    g.textAlign = "right";
    for (let lu = LU_TOP; lu >= LU_BOTTOM; lu -= 10) {
      g.strokeStyle = "#1f252d";
      g.lineWidth = 1;
      g.beginPath(); g.moveTo(padL, Math.round(y(lu)) + 0.5); g.lineTo(W - padR, Math.round(y(lu)) + 0.5); g.stroke();
      g.fillStyle = "#6b7482";
      g.fillText(String(lu), padL - 6, y(lu));
    }
    g.textAlign = "center";
    g.textBaseline = "alphabetic";
    for (let s = 0; s <= span; s += win.tick) {
      const xx = padL + (W - padL - padR) * (1 - s / span);
      g.fillStyle = "#6b7482";
      g.fillText(s === 0 ? "now" : `-${s / win.unit}${win.suffix}`, Math.max(padL + 12, Math.min(W - padR - 10, xx)), H - 3);
    }

    g.save();
    g.beginPath(); g.rect(padL, padT - 2, W - padL - padR, H - padT - padB + 4); g.clip();
    // The target: its tolerance band and the target line.
    const tg = src.target;
    if (tg && tg.lufs !== null) {
      if (tg.tolerance) {
        g.fillStyle = "rgba(46, 230, 107, 0.07)";
        const top = y(tg.lufs + tg.tolerance), bottom = y(tg.lufs - tg.tolerance);
        g.fillRect(padL, top, W - padL - padR, bottom - top);
        g.strokeStyle = "rgba(46, 230, 107, 0.28)";
        g.lineWidth = 1;
        for (const yy of [top, bottom]) { g.beginPath(); g.moveTo(padL, Math.round(yy) + 0.5); g.lineTo(W - padR, Math.round(yy) + 0.5); g.stroke(); }
      }
      g.setLineDash([4, 4]);
      g.strokeStyle = "#9aa3b1";
      g.beginPath(); g.moveTo(padL, Math.round(y(tg.lufs)) + 0.5); g.lineTo(W - padR, Math.round(y(tg.lufs)) + 0.5); g.stroke();
      g.setLineDash([]);
    }
    // Alarms: a red strip along the top and a faint shade over the seconds they were active.
    // Contiguous buckets make one span, drawn once, so that neither seams nor overlaps show.
    const span_ = (t0, t1) => {
      const x0 = Math.round(x(t0)), x1 = Math.max(x0 + 1, Math.round(x(t1)));
      g.fillStyle = "rgba(255, 61, 61, 0.10)";
      g.fillRect(x0, padT, x1 - x0, H - padT - padB);
      g.fillStyle = "#ff3d3d";
      g.fillRect(x0, padT - 2, x1 - x0, 4);
    };
    let runFrom = null, runTo = null;
    for (const p of hist.points) {
      const on = p.alarms && p.alarms.length;
      if (on && runTo !== null && p.t === runTo) { runTo = p.t + step; continue; }
      if (runFrom !== null) span_(runFrom, runTo);
      runFrom = runTo = null;
      if (on) { runFrom = p.t; runTo = p.t + step; }
    }
    if (runFrom !== null) span_(runFrom, runTo);
    // Each loudness as a band from the bucket's smallest to its largest value and a line along the largest:
    // with one-second buckets the band is the line.
    const series = (key, color, band, width) => {
      const pts = hist.points;
      // The band: one area per run of contiguous buckets, along the maxima and back along the minima.
      g.fillStyle = band;
      const area = (run) => {
        if (run.length < 2) return;
        g.beginPath();
        run.forEach((p, i) => (i ? g.lineTo : g.moveTo).call(g, x(p.t + step / 2), y(p[key][1])));
        for (let i = run.length - 1; i >= 0; i--) g.lineTo(x(run[i].t + step / 2), y(run[i][key][0]));
        g.closePath();
        g.fill();
      };
      let run = [];
      for (const p of pts) {
        const [a, b] = p[key];
        const ok = a > LU_BOTTOM - 20 && b > LU_BOTTOM - 20;
        if (!ok || (run.length && p.t - run[run.length - 1].t > step * 1.5)) { area(run); run = []; }
        if (ok) run.push(p);
      }
      area(run);
      g.strokeStyle = color;
      g.lineWidth = width;
      g.lineJoin = "round";
      g.beginPath();
      let pen = false, prev = -Infinity;
      for (const p of pts) {
        const v = p[key][1];
        if (!(v > LU_BOTTOM - 20) || p.t - prev > step * 1.5) pen = false;
        prev = p.t;
        if (!(v > LU_BOTTOM - 20)) continue;
        const xx = x(p.t + step / 2);
        if (pen) g.lineTo(xx, y(v)); else g.moveTo(xx, y(v));
        pen = true;
      }
      g.stroke();
    };
    series("momentary", "#45c8ff", "rgba(69, 200, 255, 0.22)", 1.25);
    series("shortTerm", "#ffb347", "rgba(255, 179, 71, 0.25)", 2.25);
    g.restore();
    g.textAlign = "left";
    g.fillStyle = "#6b7482";
    g.fillText("LUFS", padL + 4, padT + 12);
  }

  // The event stream. EventSource reconnects by itself after a dropped connection; after an error it cannot
  // recover from (the server answered with an error), start over with a growing delay.
  let es = null, lastData = 0, backoff = 1000;
  function connect() {
    setConn("connecting", state.updates ? "reconnecting" : "connecting");
    es = new EventSource("events");
    es.addEventListener("hello", (ev) => {
      const h = JSON.parse(ev.data);
      state.version = h.version || "";
      set($(document, "#version"), state.version);
    });
    es.addEventListener("report", (ev) => {
      lastData = performance.now();
      onReport(JSON.parse(ev.data));
    });
    es.onopen = () => {
      state.connected = true;
      backoff = 1000;
      lastData = performance.now();
      setConn("live", "live");
    };
    es.onerror = () => {
      state.connected = false;
      if (es.readyState === EventSource.CLOSED) {
        setConn("offline", "offline · retry " + Math.round(backoff / 1000) + " s");
        setTimeout(connect, backoff);
        backoff = Math.min(backoff * 2, 15000);
      } else {
        setConn("offline", "reconnecting");
      }
    };
  }

  connect();
  requestAnimationFrame(frame);
})();
