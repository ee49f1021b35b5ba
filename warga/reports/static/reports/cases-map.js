// The map of the public list: the page's cases with a point, on the tiles of the configured
// server (MAP_TILE_URL). Without Leaflet or a tile URL the list alone is shown.
(function () {
  "use strict";
  function start() {
    var el = document.getElementById("cases-map");
    var data = document.getElementById("cases-map-points");
    if (!el || !data || typeof L === "undefined") {
      if (el) el.hidden = true;
      return;
    }
    var points = JSON.parse(data.textContent || "[]");
    var map = L.map(el, { scrollWheelZoom: false });
    L.tileLayer(el.dataset.tiles, { maxZoom: 18, attribution: el.dataset.attribution || "" }).addTo(map);
    var bounds = [];
    points.forEach(function (p) {
      var marker = L.circleMarker([p.lat, p.lon], { radius: 7, color: "#146c43" }).addTo(map);
      var text = document.createElement("span");
      text.textContent = p.title + (p.desa ? " · " + p.desa : "");
      marker.bindPopup(text);
      bounds.push([p.lat, p.lon]);
    });
    if (bounds.length) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
    } else {
      map.setView([-2.5, 118], 4);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
