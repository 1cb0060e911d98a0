/* Check-in and quorum, the check-in QR code, the moderator's check-in by name, who is online. */
import { format, gettext } from "../i18n.js";
import { $, clone, fill, part, show } from "./dom.js";

function renderAttendance(ctx) {
  const { attendance: a, meeting: m } = ctx.state;
  const el = $("m-attendance");
  if (el) {
    const node = clone("tpl-attendance");
    part(node, "present").textContent = a.present;
    const quorum = node.querySelector(".quorum");
    quorum.classList.add(a.quorum_met ? "met" : "unmet");
    fill(
      node,
      "line",
      format(gettext("/ %(electorate)s 人签到 · 法定人数 %(needed)s 人 ·"), {
        electorate: a.electorate,
        needed: a.quorum_needed,
      }),
    );
    fill(node, "verdict", a.quorum_met ? gettext("已达到法定人数") : gettext("未达到法定人数"));
    fill(node, "checkin", m.checkin_open ? gettext("签到进行中") : gettext("签到未开放"));
    if (ctx.mode === "room") {
      const names = part(node, "names");
      for (const c of a.checkins) {
        const li = clone("tpl-checkin-name");
        fill(li, "name", c.user.name);
        fill(li, "manual", (c.method === "manual" ? gettext("（代签）") : "") + (c.elector === false ? gettext("（列席）") : ""));
        names.append(li);
      }
      names.hidden = false;
    }
    show(el, node);
  }
  const qr = $("m-qr");
  if (qr) qr.hidden = !m.checkin_open;
  const sel = $("m-manual-user");
  if (sel) {
    const done = new Set(a.checkins.map((c) => c.user.id));
    const chosen = sel.value;
    show(
      sel,
      ...ctx.roster
        .filter((p) => !done.has(p.id))
        .map((p) => {
          const o = clone("tpl-option");
          o.value = p.id;
          o.textContent = p.name;
          return o;
        }),
    );
    // A live update must not change whom the moderator has picked.
    if (chosen && !done.has(+chosen)) sel.value = chosen;
    $("m-manual").hidden = m.state === "closed" || m.state === "cancelled" || !sel.options.length;
  }
}

/* Who is online: the count for everyone; the names for those who may see the list (their
 * snapshot carries its first page), kept by the deltas, asked for again when an event says
 * `more` (too many came or went to list), a page more at a time on the button. */
let asking = false;

function askPresence(ctx, after) {
  if (asking || !ctx.room) return;
  asking = true;
  ctx.room.send("presence_list", after == null ? {} : { after }).then(
    (page) => {
      asking = false;
      const cur = ctx.state.presence || {};
      if (page.seq < (ctx.presenceSeq || 0)) {
        // Someone came or went after this page was read: the deltas already applied are newer.
        ctx.update(Object.assign({}, ctx.state, { presence: Object.assign({}, cur, { stale: true }) }));
        return;
      }
      let users = page.users;
      if (after != null) {
        const byId = new Map((cur.users || []).map((u) => [u.id, u]));
        for (const u of page.users) byId.set(u.id, u);
        users = [...byId.keys()].sort((a, b) => a - b).map((k) => byId.get(k));
      }
      const online = page.seq >= (ctx.presenceSeq || 0) ? page.online : cur.online;
      ctx.update(Object.assign({}, ctx.state, { presence: { online, users, next: page.next } }));
    },
    () => {
      asking = false; // offline or refused: the count stays; the button asks again
    },
  );
}

function renderPresence(ctx) {
  const el = $("m-presence");
  const p = ctx.state.presence;
  if (!el || !p) return;
  const btn = $("m-presence-more");
  if (!p.users) {
    el.textContent = format(gettext("在线 %(n)s 人"), { n: p.online });
    if (btn) btn.hidden = true;
    return;
  }
  let text = format(gettext("在线 %(n)s 人：%(names)s"), {
    n: p.online,
    names: p.users.map((u) => u.name).join(gettext("、")),
  });
  const rest = p.online - p.users.length;
  if (rest > 0) text += format(gettext("……还有 %(rest)s 人未列出"), { rest });
  el.textContent = text;
  if (btn) {
    btn.hidden = !p.stale && (p.next === null || p.next === undefined);
    btn.textContent = p.stale ? gettext("🔄 刷新在线名单") : gettext("👥 显示更多在线的人");
    if (!btn.dataset.bound) {
      btn.dataset.bound = "1";
      btn.addEventListener("click", () => {
        const cur = ctx.state.presence;
        askPresence(ctx, cur.stale ? null : cur.next);
      });
    }
  }
  if (p.stale) askPresence(ctx, null); // the list is out of date: ask for it again
}

export const views = [
  { name: "attendance", deps: ["attendance", "meeting"], render: renderAttendance },
  { name: "presence", deps: ["presence"], render: renderPresence },
];
