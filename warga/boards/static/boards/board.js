/* Village board: clock, running text, refresh every minute; when the network drops, keep
   showing the last feed (kept in localStorage). Plain JavaScript, no library. */
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) return;
  var feedUrl = board.dataset.feedUrl;
  var key = board.dataset.storageKey;
  var refreshMs = 60000;

  // The installation's clock: the server's time (offset from this device's clock, measured at
  // each feed) shown in the installation's time zone, whatever the TV's own clock and zone say.
  var timeZone = board.dataset.timeZone || "Asia/Jakarta";
  var offsetMs = 0;
  function setServerTime(iso, sentAt, receivedAt) {
    var server = Date.parse(iso);
    if (isNaN(server)) return;
    offsetMs = server - (sentAt + receivedAt) / 2;
    try { window.localStorage.setItem(key + "-offset", String(offsetMs)); } catch (e) { /* ignore */ }
  }
  function formatter(options) {
    try { return new Intl.DateTimeFormat(document.documentElement.lang || "id", Object.assign({ timeZone: timeZone }, options)); }
    catch (e) { return new Intl.DateTimeFormat(document.documentElement.lang || "id", options); }
  }
  var timeFormat = formatter({ hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  var dateFormat = formatter({ weekday: "long", day: "numeric", month: "long", year: "numeric" });
  function tick() {
    var now = new Date(Date.now() + offsetMs);
    document.getElementById("time").textContent = timeFormat.format(now).replace(/\./g, ":");
    document.getElementById("date").textContent = dateFormat.format(now);
  }

  function showStatus(text) {
    var el = document.getElementById("status");
    el.textContent = text || "";
    el.className = text ? "status show" : "status";
  }

  function active(items) {
    var now = Date.now();
    return items.filter(function (a) {
      return Date.parse(a.starts_at) <= now && Date.parse(a.ends_at) > now;
    });
  }

  function render(feed) {
    var items = active(feed.announcements || []);
    var box = document.getElementById("items");
    box.textContent = "";
    if (!items.length) {
      var empty = document.createElement("div");
      empty.className = "item empty";
      empty.textContent = board.dataset.emptyText;
      box.appendChild(empty);
    }
    items.forEach(function (a) {
      var div = document.createElement("div");
      div.className = "item prio-" + a.priority;
      var src = document.createElement("span");
      src.className = "src";
      src.textContent = a.source_label || a.source;
      div.appendChild(src);
      div.appendChild(document.createTextNode(" " + a.text));
      box.appendChild(div);
    });
    document.getElementById("ticker-text").textContent = items.map(function (a) { return a.text; }).join("  \u2726  ");
    if (feed.refresh_seconds) refreshMs = Math.max(15, feed.refresh_seconds) * 1000;
  }

  function fromCache() {
    try {
      var raw = window.localStorage.getItem(key);
      return raw ? JSON.parse(raw) : null;
    } catch (e) { return null; }
  }

  function load() {
    var xhr = new XMLHttpRequest();
    var sentAt = Date.now();
    xhr.open("GET", feedUrl, true);
    xhr.timeout = 15000;
    xhr.onload = function () {
      if (xhr.status === 200) {
        try {
          var feed = JSON.parse(xhr.responseText);
          if (feed.time_zone) timeZone = feed.time_zone;
          setServerTime(feed.generated_at, sentAt, Date.now());
          try { window.localStorage.setItem(key, xhr.responseText); } catch (e) { /* storage full: keep going */ }
          render(feed);
          showStatus("");
        } catch (e) { offline(); }
      } else { offline(); }
      schedule();
    };
    xhr.onerror = xhr.ontimeout = function () { offline(); schedule(); };
    xhr.send();
  }

  function offline() {
    var cached = fromCache();
    if (cached) render(cached);
    showStatus(board.dataset.offlineText);
  }

  function schedule() { window.setTimeout(load, refreshMs); }

  var savedOffset = Number(window.localStorage && window.localStorage.getItem(key + "-offset"));
  if (savedOffset) offsetMs = savedOffset;
  setServerTime(board.dataset.serverTime, Date.now(), Date.now());
  tick();
  window.setInterval(tick, 1000);
  var cached = fromCache();
  if (cached && !navigator.onLine) render(cached);
  load();
})();
