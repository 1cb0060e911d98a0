/* 芳华议事厅 — the browser side of docs/realtime.md, as an ES module. No build step.
 *
 *   import { connect } from "/static/js/room.js";
 *   const room = connect("/ws/halls/1/", {
 *     snapshot(data, frame) { ...replace the whole view... },
 *     event(type, data, frame) { ...apply one delta (idempotently)... },
 *     status(state, reason) { ..."connecting" | "live" | "unstable" | "offline" | "forbidden"... },
 *     // "live" only while pings are answered (a ping every 3 s); "unstable" when one is 3 s
 *     // late; after 12 s of silence the socket is given up ("offline") and a new one opened.
 *     // "forbidden": closed with 4403 — refused, or the person's access was withdrawn while
 *     // connected (reason: the server's `revoked` message, if it sent one). Never reconnects.
 *   });
 *   room.send("raise_hand", {stance: "for"}).then(okData => ..., err => alert(err.message));
 *   // A command whose answer is lost with the connection is sent again, with the same id (the
 *   // server's idempotency key: applied at most once), after the reconnect; its answer then
 *   // carries `resent: true`. room.waiting() lists the commands still unanswered.
 */
import { gettext } from "./i18n.js";

let counter = 0;

function wsUrl(path) {
  const proto = location.protocol === "https:" ? "wss://" : "ws://";
  return proto + location.host + path;
}

function offlineError() {
  return { code: "offline", message: gettext("连接已断开，请稍后重试。") };
}

// Liveness: a ping every PING_EVERY ms; no frame for PING_LATE ms after one → "unstable";
// none for PING_DEAD ms → the socket is given up and a new one opened ("offline").
export const PING_EVERY = 3000;
export const PING_LATE = 3000;
export const PING_DEAD = 12000;
const RESEND_WITHIN = 120000; // a command waiting longer than this is not sent again

export function connect(path, handlers = {}) {
  let socket = null;
  let seq = null;
  let attempts = 0;
  let closedByUs = false;
  let revokedReason = null; // the server's reason, sent just before it closes with 4403
  let pingTimer = null;
  let retryTimer = null;
  let waitingSince = null; // when the oldest unanswered ping was sent
  let lastPing = 0;
  let state = null;
  // id → {resolve, reject, type, data, at, resent}: commands keep their id (the server's
  // idempotency key) and are sent again after a reconnect; pings and resyncs are dropped.
  const pending = {};

  const status = (s, reason) => {
    state = s;
    if (handlers.status) handlers.status(s, reason);
  };

  function heartbeat() {
    if (!socket || socket.readyState !== WebSocket.OPEN || seq === null) return;
    const now = Date.now();
    if (waitingSince !== null && now - waitingSince > PING_DEAD) {
      lost(socket, 4000); // no answer for too long: give this socket up
      return;
    }
    if (waitingSince !== null && now - waitingSince > PING_LATE && state === "live") status("unstable");
    if (now - lastPing >= PING_EVERY) {
      lastPing = now;
      if (waitingSince === null) waitingSince = now;
      send("ping", {}).catch(() => {});
    }
  }

  function heard() {
    waitingSince = null;
    if (state === "unstable") status("live");
  }

  function resendWaiting() {
    for (const id of Object.keys(pending)) {
      const p = pending[id];
      if (p.type === "ping" || p.type === "resync" || p.sock === socket) continue;
      if (Date.now() - p.at > RESEND_WITHIN) {
        delete pending[id];
        p.reject({ ...offlineError(), resent: true });
        continue;
      }
      p.resent = true;
      p.sock = socket;
      socket.send(JSON.stringify({ id, type: p.type, data: p.data }));
    }
  }

  /* The socket is gone (closed, or given up as silent): say so and try again later. */
  function lost(sock, code) {
    if (sock !== socket) return; // an old socket closing late
    sock.onopen = sock.onmessage = sock.onclose = null;
    if (sock.readyState === WebSocket.OPEN || sock.readyState === WebSocket.CONNECTING) sock.close();
    socket = null;
    seq = null;
    waitingSince = null;
    if (code !== 4403) status("offline");
    for (const id of Object.keys(pending)) {
      const p = pending[id];
      if (code === 4403 || closedByUs || p.type === "ping" || p.type === "resync") {
        delete pending[id];
        p.reject(offlineError());
      }
    }
    if (closedByUs || code === 4403) {
      clearInterval(pingTimer);
      if (code === 4403) status("forbidden", revokedReason);
      return;
    }
    // Exponential backoff with jitter: 1 s, 2 s, 4 s … 30 s, each ±50 %; at once when the
    // device says it is back online.
    const base = Math.min(30000, 1000 * Math.pow(2, attempts++));
    clearTimeout(retryTimer);
    retryTimer = setTimeout(open, base * (0.5 + Math.random()));
  }

  function open() {
    clearTimeout(retryTimer);
    if (socket || closedByUs) return;
    status("connecting");
    const sock = (socket = new WebSocket(wsUrl(path)));
    sock.onopen = () => {
      attempts = 0;
    };
    sock.onmessage = (msg) => {
      heard();
      let frame;
      try {
        frame = JSON.parse(msg.data);
      } catch (e) {
        return;
      }
      if (frame.type === "error" && frame.code === "revoked") revokedReason = frame.message;
      if (frame.type === "ok" || frame.type === "error") {
        const p = pending[frame.in_reply_to];
        if (p) {
          delete pending[frame.in_reply_to];
          if (frame.type === "ok") p.resolve(p.resent ? { ...frame.data, resent: true } : frame.data);
          else p.reject(p.resent ? { ...frame, resent: true } : frame);
        } else if (frame.type === "error" && handlers.error) {
          handlers.error(frame);
        }
        return;
      }
      if (frame.type === "snapshot") {
        seq = frame.seq;
        status("live");
        if (handlers.snapshot) handlers.snapshot(frame.data, frame);
        resendWaiting(); // what the last socket took but never answered (same ids)
        return;
      }
      if (seq === null || frame.seq <= seq) return; // before the snapshot, or already applied
      if (frame.seq > seq + 1) {
        resync(); // a gap: start again from a snapshot
        return;
      }
      seq = frame.seq;
      if (handlers.event) handlers.event(frame.type, frame.data, frame);
    };
    sock.onclose = (ev) => lost(sock, ev.code);
  }

  function send(type, data) {
    return new Promise((resolve, reject) => {
      if (!socket || socket.readyState !== WebSocket.OPEN) {
        reject(offlineError());
        return;
      }
      const id = "c" + ++counter + "-" + Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
      pending[id] = { resolve, reject, type, data: data || {}, at: Date.now(), resent: false, sock: socket };
      socket.send(JSON.stringify({ id, type, data: data || {} }));
    });
  }

  function resync() {
    seq = null;
    return send("resync", {}).catch(() => {});
  }

  function close() {
    closedByUs = true;
    clearInterval(pingTimer);
    if (socket) socket.close();
  }

  /* The commands sent but not yet answered (not pings): what to tell the person is waiting. */
  function waiting() {
    return Object.values(pending).filter((p) => p.type !== "ping" && p.type !== "resync").map((p) => p.type);
  }

  pingTimer = setInterval(heartbeat, 500);
  window.addEventListener("online", () => {
    if (!socket && !closedByUs) open();
  });
  open();
  return { seq: () => seq, send, close, resync, waiting, state: () => state };
}

/* Tell screen readers about a change: <div id="announcer" aria-live="polite"> in the page. */
export function announce(text) {
  let el = document.getElementById("announcer");
  if (!el) {
    el = document.createElement("div");
    el.id = "announcer";
    el.className = "sr-only";
    el.setAttribute("aria-live", "polite");
    el.setAttribute("role", "status");
    document.body.appendChild(el);
  }
  el.textContent = "";
  setTimeout(() => {
    el.textContent = text;
  }, 50);
}

/* Server-authoritative countdown: seconds left until an ISO deadline (never negative). */
export function secondsUntil(deadlineIso, serverOffsetMs) {
  const ms = Date.parse(deadlineIso) - (Date.now() + (serverOffsetMs || 0));
  return Math.max(0, Math.ceil(ms / 1000));
}
