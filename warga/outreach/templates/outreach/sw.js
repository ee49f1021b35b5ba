/* Service worker of the jemput bola field app (version {{ version }}).
 * Precaches the app shell and its static files so the app opens with no signal; API calls
 * always go to the network (the app keeps its own encrypted outbox in IndexedDB). */
importScripts("{{ workbox_sw }}");
workbox.setConfig({ modulePathPrefix: {{ module_prefix|safe }}, debug: false });
workbox.core.setCacheNameDetails({ prefix: "warga-field" });
workbox.core.skipWaiting();
workbox.core.clientsClaim();
workbox.precaching.cleanupOutdatedCaches();
// The shell is stored without its Vary header (Cookie, Accept-Language): otherwise the cache
// would not match it for a navigation made with other cookies, and the app would not open offline.
workbox.precaching.addPlugins([
  {
    cacheWillUpdate: async ({ response }) => {
      if (!response || response.status !== 200) return null;
      if (!response.headers.has("Vary")) return response;
      const headers = new Headers(response.headers);
      headers.delete("Vary");
      return new Response(await response.blob(), { status: 200, statusText: response.statusText, headers });
    },
  },
]);
workbox.precaching.precacheAndRoute({{ precache|safe }}, { ignoreURLParametersMatching: [/.*/] });
