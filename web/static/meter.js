// The live meter: reads /events (Server-Sent Events, one "report" per source per report interval) and draws at
// the display's frame rate. Reports carry the meter's ballistics (bar, peak hold, clip light); between reports
// the bars fall smoothly toward the latest values instead of stepping.
"use strict";

(() => {
  const FALL = 20 / 1.7;     // dB/s: IEC 60268-18, 20 dB in 1.7 s
  const HISTORY = 60;        // seconds of loudness history
  const STALE = 3000;        // ms without data before the indicator turns red
  const TARGET = -23;        // LUFS, EBU R 128
  const LU_TOP = 0, LU_BOTTOM = -60; // history range

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
  // Loudness below the absolute gate (-70 LUFS) is shown as such, not as a number like -449.8.
  const fmtLU = (v) => (v === null || v === undefined || !isFinite(v) ? "—" : v < -70 ? "<-70" : v.toFixed(1));
  const fmtDB = (v) => (v === null || v === undefined || !isFinite(v) ? "-inf" : v.toFixed(1));
  const group = (n) => n.toLocaleString("en-US").replace(/,/g, "\u2009");
  const duration = (s) => {
    s = Math.floor(s);
    const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, ss = s % 60;
    return `${h}:${String(m).padStart(2, "0")}:${String(ss).padStart(2, "0")}`;
  };
  const channelNames = (n) => n === 1 ? ["M"] : n === 2 ? ["L", "R"] : n === 6 ? ["L", "R", "C", "LFE", "Ls", "Rs"]
    : Array.from({ length: n }, (_, i) => String(i + 1));

  // State visible to tests and to curious engineers in the console.
  const state = { connected: false, updates: 0, sources: {}, version: "" };
  window.levelmeter = state;

  const main = $(document, "#sources");
  const conn = $(document, "#conn"), connText = $(document, "#conn-text");
  const cardTpl = $(document, "#card"), chTpl = $(document, "#channel");

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
    // Cards in name order.
    const after = [...main.querySelectorAll(".card")].find((c) => c.dataset.source > name);
    main.insertBefore(card, after || null);
    $(document, "#empty").hidden = true;
    const src = {
      name, card, channels: [], history: [], last: null, nch: -1,
      canvas: $(card, ".hist"),
      el: {
        format: $(card, ".format"), state: $(card, ".state"), bars: $(card, ".bars"), error: $(card, ".error"),
        momentary: $(card, ".momentary"), shortTerm: $(card, ".short-term"), integrated: $(card, ".integrated"),
        momentaryMax: $(card, ".momentary-max"), shortTermMax: $(card, ".short-term-max"),
        range: $(card, ".range"), tpMax: $(card, ".true-peak-max"), spMax: $(card, ".sample-peak-max"),
        corr: $(card, ".correlation"), corrMark: $(card, ".corr-mark"),
        captured: $(card, ".captured"), metered: $(card, ".metered"), dropped: $(card, ".dropped"),
        overflows: $(card, ".overflows"), restarts: $(card, ".restarts"), ringFill: $(card, ".ring-fill"),
        lost: $(card, ".lost"), latency: $(card, ".latency"),
        ringBar: $(card, ".ring-bar i"), ring: $(card, ".ring"), duration: $(card, ".duration"),
      },
    };
    state.sources[name] = src;
    return src;
  }

  function makeChannels(src, n) {
    src.el.bars.textContent = "";
    src.channels = [];
    const names = channelNames(n);
    for (let i = 0; i < n; i++) {
      const el = chTpl.content.firstElementChild.cloneNode(true);
      $(el, ".ch-name").textContent = names[i];
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

  function onReport(u) {
    state.updates++;
    const src = state.sources[u.source] || makeSource(u.source);
    if (u.channels.length !== src.nch) makeChannels(src, u.channels.length);
    src.last = u;
    const e = src.el;
    set(e.format, `${u.sampleRate ? (u.sampleRate / 1000).toLocaleString("en-US") + " kHz" : ""} · ${u.channels.length} ch`);
    src.card.classList.toggle("stopped", u.final);
    set(e.state, u.final ? "stopped" : "running");
    e.error.hidden = !u.lastError;
    if (u.lastError) { set(e.error, u.lastError); e.error.title = u.lastError; }

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
    set(e.momentaryMax, fmtLU(L.momentaryMax));
    set(e.shortTermMax, fmtLU(L.shortTermMax));
    set(e.range, fmt(L.range));
    set(e.tpMax, fmt(u.truePeakMax));
    e.tpMax.classList.toggle("hot", num(u.truePeakMax) > -1);
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

    const now = performance.now();
    src.history.push({ t: now, m: num(L.momentary), s: num(L.shortTerm) });
    while (src.history.length && src.history[0].t < now - (HISTORY + 2) * 1000) src.history.shift();
  }

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
      drawHistory(src, now);
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

  function drawHistory(src, now) {
    const cv = src.canvas, dpr = window.devicePixelRatio || 1;
    const w = Math.round(cv.clientWidth * dpr), h = Math.round(cv.clientHeight * dpr);
    if (w === 0 || h === 0) return;
    if (cv.width !== w || cv.height !== h) { cv.width = w; cv.height = h; }
    const g = cv.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    const W = w / dpr, H = h / dpr, padL = 34, padB = 16, padT = 8, padR = 8;
    const x = (t) => padL + (W - padL - padR) * (1 - (now - t) / (HISTORY * 1000));
    const y = (lu) => padT + (H - padT - padB) * (LU_TOP - Math.max(LU_BOTTOM, Math.min(LU_TOP, lu))) / (LU_TOP - LU_BOTTOM);
    g.clearRect(0, 0, W, H);

    g.font = "10px " + getComputedStyle(document.body).getPropertyValue("--mono");
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
    for (let s = 0; s <= HISTORY; s += 10) {
      const xx = padL + (W - padL - padR) * (1 - s / HISTORY);
      g.fillStyle = "#6b7482";
      g.fillText(s === 0 ? "now" : `-${s}s`, Math.min(W - padR - 10, xx), H - 3);
    }
    g.textAlign = "left";
    g.fillStyle = "#6b7482";
    g.fillText("LUFS", padL + 4, padT + 10);
    g.setLineDash([4, 4]);
    g.strokeStyle = "#9aa3b1";
    g.beginPath(); g.moveTo(padL, Math.round(y(TARGET)) + 0.5); g.lineTo(W - padR, Math.round(y(TARGET)) + 0.5); g.stroke();
    g.setLineDash([]);

    g.save();
    g.beginPath(); g.rect(padL, padT - 2, W - padL - padR, H - padT - padB + 4); g.clip();
    const line = (key, color, width) => {
      g.strokeStyle = color;
      g.lineWidth = width;
      g.lineJoin = "round";
      g.beginPath();
      let pen = false;
      for (const p of src.history) {
        const v = p[key];
        if (!(v > LU_BOTTOM - 20)) { pen = false; continue; }
        if (pen) g.lineTo(x(p.t), y(v)); else g.moveTo(x(p.t), y(v));
        pen = true;
      }
      g.stroke();
    };
    // Momentary under a soft fill, short-term on top.
    line("m", "#45c8ff", 1.25);
    line("s", "#ffb347", 2.25);
    g.restore();
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
