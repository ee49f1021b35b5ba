/* The installation's clock on the TV pages (the queue's call screen, the village board): the
   server's time, kept as an offset from this device's clock (measured at each feed, half the
   round trip taken off), shown in the installation's time zone, whatever the TV's own clock and
   zone say. Plain JavaScript, no library; load it before the page's own script:

     var clock = WargaServerClock.start({
       serverTime: root.dataset.serverTime,   // ISO time the page was made at
       timeZone: root.dataset.timeZone,       // IANA name, "Asia/Jakarta" when missing
       storageKey: "…",                       // optional: keep the offset across reloads
     });
     clock.sync(feed.generated_at, sentAt, receivedAt);   // after each feed
     clock.setTimeZone(feed.time_zone);

   It writes the time (HH:MM:SS) into #time and the long date into #date every second.

   Both pages poll their feed the same way; WargaServerClock.poll is that loop:

     WargaServerClock.poll(clock, {
       url: "…", timeoutMs: 10000, storageKey: "…",   // the last feed is kept under storageKey
       intervalMs: function () { return 3000; },      // between feeds
       retryMs: function (failures) { … },            // after a failure (default: intervalMs)
       render: function (feed, fresh) { … },          // each feed (fresh = false: the kept one)
       offline: function (failures) { … },            // after each failure
     });

   It syncs the clock from each feed, keeps the feed, renders it; a feed that cannot be read or
   rendered counts as a failure. When the network is down at start, the kept feed is shown. */
(function () {
  "use strict";

  function start(options) {
    var timeZone = options.timeZone || "Asia/Jakarta";
    var offsetKey = options.storageKey ? options.storageKey + "-offset" : null;
    var offsetMs = 0;
    var timeFormat, dateFormat;

    function formatter(format) {
      var lang = document.documentElement.lang || "id";
      try { return new Intl.DateTimeFormat(lang, Object.assign({ timeZone: timeZone }, format)); }
      catch (e) { return new Intl.DateTimeFormat(lang, format); }  // an unknown zone: the device's
    }
    function makeFormats() {
      timeFormat = formatter({ hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
      dateFormat = formatter({ weekday: "long", day: "numeric", month: "long", year: "numeric" });
    }
    function now() { return new Date(Date.now() + offsetMs); }
    function tick() {
      var at = now();
      var time = document.getElementById("time");
      var date = document.getElementById("date");
      if (time) time.textContent = timeFormat.format(at).replace(/\./g, ":");
      if (date) date.textContent = dateFormat.format(at);
    }
    function sync(iso, sentAt, receivedAt) {
      var server = Date.parse(iso);
      if (isNaN(server)) return;
      offsetMs = server - (sentAt + receivedAt) / 2;
      if (offsetKey) {
        try { window.localStorage.setItem(offsetKey, String(offsetMs)); } catch (e) { /* no storage */ }
      }
    }
    function setTimeZone(zone) {
      if (!zone || zone === timeZone) return;
      timeZone = zone;
      makeFormats();
      tick();
    }

    makeFormats();
    if (offsetKey) {
      try {
        var saved = Number(window.localStorage.getItem(offsetKey));
        if (saved) offsetMs = saved;
      } catch (e) { /* no storage */ }
    }
    sync(options.serverTime, Date.now(), Date.now());
    tick();
    window.setInterval(tick, 1000);
    return { sync: sync, setTimeZone: setTimeZone, now: now };
  }

  function poll(clock, options) {
    var failures = 0;
    var key = options.storageKey;
    function kept() {
      try {
        var raw = key ? window.localStorage.getItem(key) : null;
        return raw ? JSON.parse(raw) : null;
      } catch (e) { return null; }
    }
    function failed() {
      failures += 1;
      if (options.offline) options.offline(failures);
    }
    function schedule() {
      var delay = failures && options.retryMs ? options.retryMs(failures) : options.intervalMs();
      window.setTimeout(load, delay);
    }
    function load() {
      var xhr = new XMLHttpRequest();
      var sentAt = Date.now();
      xhr.open("GET", options.url, true);
      xhr.timeout = options.timeoutMs || 10000;
      xhr.onload = function () {
        if (xhr.status !== 200) { failed(); schedule(); return; }
        try {
          var feed = JSON.parse(xhr.responseText);
          clock.setTimeZone(feed.time_zone);
          clock.sync(feed.generated_at, sentAt, Date.now());
          if (key) {
            try { window.localStorage.setItem(key, xhr.responseText); } catch (e) { /* storage full: keep going */ }
          }
          options.render(feed, true);
          failures = 0;
        } catch (e) { failed(); }
        schedule();
      };
      xhr.onerror = xhr.ontimeout = function () { failed(); schedule(); };
      xhr.send();
    }
    window.addEventListener("online", function () { failures = 0; });
    var cached = kept();
    if (cached && !navigator.onLine) {
      try { options.render(cached, false); } catch (e) { /* a kept feed of an older version */ }
    }
    load();
    return { kept: kept, failures: function () { return failures; } };
  }

  window.WargaServerClock = { start: start, poll: poll };
})();
