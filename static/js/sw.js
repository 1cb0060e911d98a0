/* The service worker (served at /sw.js by config/pwa.py, which fills in SHELL and VERSION).
   - Pages: always from the network; when that fails, the offline page. No page is ever kept,
     so nothing old is shown as if it were current.
   - Our shell (stylesheets, scripts, icons): from the network, from the cache when offline.
   - Everything else (/api/, /ws/, uploads, other sites): not touched. */
const SHELL = [];
const VERSION = "dev";
const CACHE = "fanghua-shell-" + VERSION;
const OFFLINE = SHELL[0] || "/offline/";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys.filter((k) => k.startsWith("fanghua-") && k !== CACHE).map((k) => caches.delete(k)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request).catch(() =>
        caches.match(OFFLINE).then((page) => page || Response.error()),
      ),
    );
    return;
  }
  if (SHELL.includes(url.pathname)) {
    event.respondWith(
      fetch(request).catch(() =>
        caches.match(url.pathname).then((hit) => hit || Response.error()),
      ),
    );
  }
});
