/* 芳华议事厅 — the live meeting room (docs/realtime.md, "Meeting room"; docs/frontend.md).
 *
 * Renders the room from the snapshot, then applies deltas in seq order (room.js does the
 * ordering and the resync). Each section module lists the views it draws and the snapshot
 * sections each view reads; an event re-renders only the views whose sections it changed.
 */
import { connect } from "../room.js";
import * as agenda from "./agenda.js";
import { announceChanges, say } from "./announce.js";
import * as attendance from "./attendance.js";
import { startCommands } from "./commands.js";
import { applyLive, showConnection } from "./connection.js";
import * as minutes from "./minutes.js";
import * as speakers from "./speakers.js";
import { applyEvent, changedSections, SECTIONS } from "./state.js";
import * as status from "./status.js";
import { makeTick } from "./timer.js";
import * as votes from "./votes.js";

const VIEWS = [status, agenda, speakers, attendance, votes, minutes].flatMap((m) => m.views);
const json = (id) => {
  const el = document.getElementById(id);
  return el ? JSON.parse(el.textContent) : null;
};

function start(root) {
  const ctx = {
    root,
    mode: root.dataset.mode,
    perms: json("m-perms") || {},
    me: json("m-me"),
    roster: json("m-roster") || [],
    labels: json("room-labels"),
    state: json("m-snapshot"),
    offset: 0, // server clock − client clock, ms
    receipts: {}, // ballot id → the receipt shown once after casting here
    room: null,
    say,
  };
  const setOffset = (serverNow) => {
    if (serverNow) ctx.offset = Date.parse(serverNow) - Date.now();
  };
  ctx.tick = makeTick(ctx);
  /* Draw the views that read any of the changed sections (all of them when changed is null). */
  ctx.render = (changed) => {
    for (const v of VIEWS) {
      if (!changed || v.deps.some((d) => changed.has(d))) v.render(ctx);
    }
    applyLive(ctx); // buttons drawn while the room is not live are disabled at once
  };
  const update = (next) => {
    const prev = ctx.state;
    const changed = changedSections(prev, next);
    ctx.state = next;
    announceChanges(ctx, prev, next);
    ctx.render(changed);
  };

  ctx.update = update;
  setOffset(ctx.state.server_now);
  ctx.render(null);
  setInterval(ctx.tick, 250);
  startCommands(ctx);
  minutes.startAutosave(ctx);
  ctx.room = connect(root.dataset.ws, {
    snapshot(data) {
      setOffset(data.server_now);
      update(data);
    },
    event(type, data, frame) {
      if (data.server_now) setOffset(data.server_now);
      if (type === "presence.changed") ctx.presenceSeq = frame.seq; // see attendance.askPresence
      update(applyEvent(ctx.state, type, data));
    },
    status: (s, reason) => showConnection(ctx, s, reason),
  });
  // For tests and debugging: the state after the events applied so far.
  window.FHMeeting = { applyEvent, sections: SECTIONS, state: () => ctx.state, room: ctx.room };
}

const root = document.getElementById("meeting");
if (root) start(root);
