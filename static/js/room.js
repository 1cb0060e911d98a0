/* 芳华议事厅 — the browser side of docs/realtime.md, as an ES module. No build step.
 *
 *   import { connect } from "/static/js/room.js";
 *   const room = connect("/ws/halls/1/", {
 *     snapshot(data, frame) { ...replace the whole view... },
 *     event(type, data, frame) { ...apply one delta (idempotently)... },
 *     status(state, reason) { ..."connecting" | "live" | "offline" | "forbidden"... },
 *     // "forbidden": closed with 4403 — refused, or the person's access was withdrawn while
 *     // connected (reason: the server's `revoked` message, if it sent one). Never reconnects.
 *   });
 *   room.send("raise_hand", {stance: "for"}).then(okData => ..., err => alert(err.message));
 */
import { gettext } from "./i18n.js";

let counter = 0;

function wsUrl(path) {
  const proto = location.protocol === "https:" ? "wss://" : "ws://";
  return proto + location.host + path;
}

function offlineError() {
  return { code: "offline", message: gettext("连接已断开,请稍后重试。") };
}

export function connect(path, handlers = {}) {
  let socket = null;
  let seq = null;
  let attempts = 0;
  let closedByUs = false;
  let revokedReason = null; // the server's reason, sent just before it closes with 4403
  let pingTimer = null;
  const pending = {};

  const status = (s, reason) => handlers.status && handlers.status(s, reason);

  function open() {
    status("connecting");
    socket = new WebSocket(wsUrl(path));
    socket.onopen = () => {
      attempts = 0;
    };
    socket.onmessage = (msg) => {
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
          if (frame.type === "ok") p.resolve(frame.data);
          else p.reject(frame);
        } else if (frame.type === "error" && handlers.error) {
          handlers.error(frame);
        }
        return;
      }
      if (frame.type === "snapshot") {
        seq = frame.seq;
        status("live");
        if (handlers.snapshot) handlers.snapshot(frame.data, frame);
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
    socket.onclose = (ev) => {
      if (ev.code !== 4403) status("offline");
      clearInterval(pingTimer);
      for (const id of Object.keys(pending)) {
        pending[id].reject(offlineError());
        delete pending[id];
      }
      if (closedByUs || ev.code === 4403) {
        if (ev.code === 4403) status("forbidden", revokedReason);
        return;
      }
      // Exponential backoff with jitter: 1 s, 2 s, 4 s … 30 s, each ±50 %.
      const base = Math.min(30000, 1000 * Math.pow(2, attempts++));
      setTimeout(open, base * (0.5 + Math.random()));
    };
    clearInterval(pingTimer);
    pingTimer = setInterval(() => send("ping", {}).catch(() => {}), 25000);
  }

  function send(type, data) {
    return new Promise((resolve, reject) => {
      if (!socket || socket.readyState !== WebSocket.OPEN) {
        reject(offlineError());
        return;
      }
      const id = "c" + ++counter + "-" + Date.now().toString(36);
      pending[id] = { resolve, reject };
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

  open();
  return { seq: () => seq, send, close, resync };
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
