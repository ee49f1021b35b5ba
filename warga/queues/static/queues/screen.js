/* The call screen: polls the office's feed every few seconds (no page reload); each new call
   or recall rings a chime (WebAudio, generated here) and is spoken in Indonesian with the
   browser's speechSynthesis when an id-ID voice is present. When the network drops it keeps
   showing the last feed (kept in localStorage) and retries with a growing delay. The clock is
   the server's, in the installation's time zone (core/server_clock.js). Plain JavaScript, no
   library. */
(function () {
  "use strict";
  var root = document.getElementById("screen");
  if (!root) return;
  var feedUrl = root.dataset.feedUrl;
  var key = root.dataset.storageKey;
  var refreshMs = 3000;
  var seen = {};
  var first = true;
  var queue = [];
  var speaking = false;
  window.queueAnnouncements = [];

  // --- Indonesian words: each digit of the ticket, the counter as a number -------------------
  var DIGITS = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"];
  function words(n) {
    n = Math.floor(n);
    if (n < 10) return DIGITS[n];
    if (n === 10) return "sepuluh";
    if (n === 11) return "sebelas";
    if (n < 20) return DIGITS[n - 10] + " belas";
    if (n < 100) return DIGITS[Math.floor(n / 10)] + " puluh" + (n % 10 ? " " + DIGITS[n % 10] : "");
    if (n < 200) return "seratus" + (n % 100 ? " " + words(n % 100) : "");
    if (n < 1000) return DIGITS[Math.floor(n / 100)] + " ratus" + (n % 100 ? " " + words(n % 100) : "");
    return String(n);
  }
  function spellTicket(code) {
    return code.split("").filter(function (ch) { return ch !== "-"; }).map(function (ch) {
      return /[0-9]/.test(ch) ? DIGITS[Number(ch)] : ch.toUpperCase();
    }).join(" ");
  }
  function phrase(ticket, counter) {
    return (root.dataset.phrase || "Nomor antrean {ticket}, silakan ke loket {counter}")
      .replace("{ticket}", spellTicket(ticket)).replace("{counter}", words(counter));
  }

  // --- Sound: a two-tone chime made with WebAudio, always; then the spoken call --------------
  var audio = null;
  function context() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!audio && Ctx) { try { audio = new Ctx(); } catch (e) { audio = null; } }
    return audio;
  }
  function chime() {
    var ctx = context();
    if (!ctx) return 0;
    if (ctx.state === "suspended" && ctx.resume) ctx.resume();
    var start = ctx.currentTime + 0.05;
    [[880, 0], [659.25, 0.45]].forEach(function (tone) {
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = tone[0];
      gain.gain.setValueAtTime(0.0001, start + tone[1]);
      gain.gain.exponentialRampToValueAtTime(0.5, start + tone[1] + 0.03);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + tone[1] + 0.8);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start + tone[1]);
      osc.stop(start + tone[1] + 0.85);
    });
    return 1300;
  }
  function voice() {
    if (!window.speechSynthesis) return null;
    var voices = window.speechSynthesis.getVoices() || [];
    for (var i = 0; i < voices.length; i++) {
      if ((voices[i].lang || "").toLowerCase().replace("_", "-").indexOf("id") === 0) return voices[i];
    }
    return null;
  }
  function speak(text, done) {
    var v = voice();
    if (!v) { done(); return; }
    try {
      var u = new SpeechSynthesisUtterance(text);
      u.voice = v; u.lang = v.lang; u.rate = 0.9;
      u.onend = u.onerror = function () { done(); };
      window.speechSynthesis.speak(u);
    } catch (e) { done(); }
  }
  function next() {
    if (speaking || !queue.length) return;
    speaking = true;
    var text = queue.shift();
    window.queueAnnouncements.push(text);
    root.dataset.lastAnnouncement = text;
    var wait = chime();
    window.setTimeout(function () { speak(text, function () { speaking = false; window.setTimeout(next, 400); }); }, wait);
  }
  function announce(text) { queue.push(text); next(); }

  var soundButton = document.getElementById("sound");
  if (soundButton) soundButton.addEventListener("click", function () {
    var ctx = context();
    if (ctx && ctx.resume) ctx.resume();
    soundButton.className = "on";
  });

  // --- Rendering ---------------------------------------------------------------------------
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function render(feed, fresh) {
    var label = root.dataset.counterLabel || "Loket";
    var box = document.getElementById("counters");
    box.textContent = "";
    (feed.counters || []).forEach(function (c) {
      var isNew = fresh && c.call_id && !seen[c.call_id];
      var div = el("div", "counter" + (c.ticket ? " busy" : "") + (isNew ? " fresh" : ""));
      div.dataset.counter = c.number;
      div.appendChild(el("div", "label", label + " " + c.number));
      div.appendChild(el("div", "ticket", c.ticket || "\u2014"));
      box.appendChild(div);
      if (c.call_id && !seen[c.call_id]) {
        seen[c.call_id] = true;
        if (fresh && !first) announce(phrase(c.ticket, c.number));
      }
    });
    var recent = document.getElementById("recent");
    recent.textContent = "";
    (feed.recent || []).forEach(function (r) {
      var li = el("li");
      li.appendChild(el("span", "t", r.ticket));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "c", label + " " + r.counter));
      recent.appendChild(li);
    });
    var waiting = document.getElementById("waiting");
    waiting.textContent = "";
    (feed.waiting || []).forEach(function (w) { waiting.appendChild(el("li", "", w.letter + ": " + w.count)); });
    if (feed.refresh_seconds) refreshMs = Math.max(2, feed.refresh_seconds) * 1000;
  }
  function status(text) { document.getElementById("status").textContent = text || ""; }

  // The installation's clock and the feed loop (core/server_clock.js, loaded before this script).
  var clock = window.WargaServerClock.start({
    serverTime: root.dataset.serverTime,
    timeZone: root.dataset.timeZone,
  });
  window.WargaServerClock.poll(clock, {
    url: feedUrl,
    storageKey: key,
    timeoutMs: 10000,
    intervalMs: function () { return refreshMs; },
    retryMs: function (failures) { return Math.min(30000, refreshMs * Math.pow(2, Math.min(failures, 4))); },
    render: function (feed, fresh) {
      render(feed, fresh);
      if (fresh) {
        first = false;
        status("");
        delete root.dataset.offline;
      }
    },
    offline: function () {
      status(root.dataset.offlineText);
      root.dataset.offline = "true";
    },
  });
})();
