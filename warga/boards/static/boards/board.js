/* Village board: clock, running text, refresh every minute; when the network drops, keep
   showing the last feed (kept in localStorage). Plain JavaScript, no library. */
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) return;
  var feedUrl = board.dataset.feedUrl;
  var key = board.dataset.storageKey;
  var refreshMs = 60000;

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var now = new Date();
    document.getElementById("time").textContent = pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds());
    document.getElementById("date").textContent = now.toLocaleDateString(document.documentElement.lang || "id", {
      weekday: "long", day: "numeric", month: "long", year: "numeric"
    });
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
    xhr.open("GET", feedUrl, true);
    xhr.timeout = 15000;
    xhr.onload = function () {
      if (xhr.status === 200) {
        try {
          var feed = JSON.parse(xhr.responseText);
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

  tick();
  window.setInterval(tick, 1000);
  var cached = fromCache();
  if (cached && !navigator.onLine) render(cached);
  load();
})();
