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

function renderPresence(ctx) {
  const el = $("m-presence");
  const p = ctx.state.presence;
  if (!el || !p) return;
  el.textContent = format(gettext("在线 %(n)s 人：%(names)s"), {
    n: p.online,
    names: p.users.map((u) => u.name).join(gettext("、")),
  });
}

export const views = [
  { name: "attendance", deps: ["attendance", "meeting"], render: renderAttendance },
  { name: "presence", deps: ["presence"], render: renderPresence },
];
