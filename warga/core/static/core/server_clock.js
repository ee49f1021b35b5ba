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

   It writes the time (HH:MM:SS) into #time and the long date into #date every second. */
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

  window.WargaServerClock = { start: start };
})();
