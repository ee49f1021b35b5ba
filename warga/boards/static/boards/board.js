/* Village board: clock (core/server_clock.js), running text, refresh every minute; when the
   network drops, keep showing the last feed (kept in localStorage). Plain JavaScript, no
   library. */
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) return;
  var feedUrl = board.dataset.feedUrl;
  var key = board.dataset.storageKey;
  var refreshMs = 60000;

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
          clock.setTimeZone(feed.time_zone);
          clock.sync(feed.generated_at, sentAt, Date.now());
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

  // The installation's clock (core/server_clock.js, loaded before this script): the server's
  // time in the installation's time zone, whatever the TV's own clock and zone say; the offset
  // is kept with the feed, for a TV switched on while the network is down.
  var clock = window.WargaServerClock.start({
    serverTime: board.dataset.serverTime,
    timeZone: board.dataset.timeZone,
    storageKey: key,
  });
  var cached = fromCache();
  if (cached && !navigator.onLine) render(cached);
  load();
})();
