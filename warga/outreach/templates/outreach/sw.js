/* Service worker of the jemput bola field app (version {{ version }}).
 * Precaches the app shell and its static files so the app opens with no signal; API calls
 * always go to the network (the app keeps its own encrypted outbox in IndexedDB). */
importScripts("{{ workbox_sw }}");
workbox.setConfig({ modulePathPrefix: {{ module_prefix|safe }}, debug: false });
workbox.core.setCacheNameDetails({ prefix: "warga-field" });
workbox.core.skipWaiting();
workbox.core.clientsClaim();
workbox.precaching.cleanupOutdatedCaches();
workbox.precaching.precacheAndRoute({{ precache|safe }}, { ignoreURLParametersMatching: [/.*/] });
