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

  // The installation's clock (core/server_clock.js, loaded before this script): the server's
  // time in the installation's time zone, whatever the TV's own clock and zone say; the offset
  // is kept with the feed, for a TV switched on while the network is down. Then the feed loop.
  var clock = window.WargaServerClock.start({
    serverTime: board.dataset.serverTime,
    timeZone: board.dataset.timeZone,
    storageKey: key,
  });
  var feeds = window.WargaServerClock.poll(clock, {
    url: feedUrl,
    storageKey: key,
    timeoutMs: 15000,
    intervalMs: function () { return refreshMs; },
    render: function (feed, fresh) {
      render(feed);
      if (fresh) showStatus("");
    },
    offline: function () {
      var cached = feeds && feeds.kept();
      if (cached) render(cached);
      showStatus(board.dataset.offlineText);
    },
  });
})();
