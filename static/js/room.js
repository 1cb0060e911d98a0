/* 芳华议事厅 — the browser side of docs/realtime.md. No build step, no dependencies.
 *
 *   const room = FH.connect("/ws/halls/1/", {
 *     snapshot(data, frame) { ...replace the whole view... },
 *     event(type, data, frame) { ...apply one delta (idempotently)... },
 *     status(state) { ..."connecting" | "live" | "offline"... },
 *   });
 *   room.send("raise_hand", {stance: "for"}).then(okData => ..., err => alert(err.message));
 */
(function (global) {
  "use strict";
  var counter = 0;

  function wsUrl(path) {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    return proto + location.host + path;
  }

  function connect(path, handlers) {
    handlers = handlers || {};
    var socket = null, seq = null, attempts = 0, pending = {}, closedByUs = false, pingTimer = null;
    var room = { seq: function () { return seq; }, send: send, close: close, resync: resync };

    function status(s) { if (handlers.status) handlers.status(s); }

    function open() {
      status("connecting");
      socket = new WebSocket(wsUrl(path));
      socket.onopen = function () { attempts = 0; };
      socket.onmessage = function (msg) {
        var frame;
        try { frame = JSON.parse(msg.data); } catch (e) { return; }
        if (frame.type === "ok" || frame.type === "error") {
          var p = pending[frame.in_reply_to];
          if (p) {
            delete pending[frame.in_reply_to];
            if (frame.type === "ok") p.resolve(frame.data); else p.reject(frame);
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
        if (seq === null || frame.seq <= seq) return;         // before the snapshot, or already applied
        if (frame.seq > seq + 1) { resync(); return; }         // a gap: start again from a snapshot
        seq = frame.seq;
        if (handlers.event) handlers.event(frame.type, frame.data, frame);
      };
      socket.onclose = function (ev) {
        status("offline");
        clearInterval(pingTimer);
        Object.keys(pending).forEach(function (id) {
          pending[id].reject({ code: "offline", message: "连接已断开,请稍后重试。" });
          delete pending[id];
        });
        if (closedByUs || ev.code === 4403) { if (ev.code === 4403) status("forbidden"); return; }
        // Exponential backoff with jitter: 1 s, 2 s, 4 s … 30 s, each ±50 %.
        var base = Math.min(30000, 1000 * Math.pow(2, attempts++));
        setTimeout(open, base * (0.5 + Math.random()));
      };
      clearInterval(pingTimer);
      pingTimer = setInterval(function () { send("ping", {}).catch(function () {}); }, 25000);
    }

    function send(type, data) {
      return new Promise(function (resolve, reject) {
        if (!socket || socket.readyState !== WebSocket.OPEN) {
          reject({ code: "offline", message: "连接已断开,请稍后重试。" });
          return;
        }
        var id = "c" + (++counter) + "-" + Date.now().toString(36);
        pending[id] = { resolve: resolve, reject: reject };
        socket.send(JSON.stringify({ id: id, type: type, data: data || {} }));
      });
    }

    function resync() { seq = null; return send("resync", {}).catch(function () {}); }
    function close() { closedByUs = true; clearInterval(pingTimer); if (socket) socket.close(); }

    open();
    return room;
  }

  /* Tell screen readers about a change: <div id="announcer" aria-live="polite"> in the page. */
  function announce(text) {
    var el = document.getElementById("announcer");
    if (!el) {
      el = document.createElement("div");
      el.id = "announcer";
      el.className = "sr-only";
      el.setAttribute("aria-live", "polite");
      el.setAttribute("role", "status");
      document.body.appendChild(el);
    }
    el.textContent = "";
    setTimeout(function () { el.textContent = text; }, 50);
  }

  /* Server-authoritative countdown: seconds left until an ISO deadline (never negative). */
  function secondsUntil(deadlineIso, serverOffsetMs) {
    var ms = Date.parse(deadlineIso) - (Date.now() + (serverOffsetMs || 0));
    return Math.max(0, Math.ceil(ms / 1000));
  }

  global.FH = { connect: connect, announce: announce, secondsUntil: secondsUntil };
})(window);
