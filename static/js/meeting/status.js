/* The meeting's state badge and the moderator's meeting controls. */
import { gettext } from "../i18n.js";
import { $, commandButton, note, show } from "./dom.js";
import { openBallot } from "./state.js";

function renderState(ctx) {
  const m = ctx.state.meeting;
  const el = $("m-state");
  if (!el) return;
  el.textContent = ctx.labels.meeting_state[m.state] || m.state;
  el.className = "badge " + (m.state === "open" ? "ok" : "wait");
}

function renderControls(ctx) {
  const el = $("m-controls");
  if (!el) return;
  const { meeting: m, agenda } = ctx.state;
  const out = [];
  if (m.state === "scheduled") out.push(commandButton("open_meeting", gettext("宣布开会"), { cls: "primary" }));
  if (m.state === "scheduled" || m.state === "open") {
    out.push(
      m.checkin_open
        ? commandButton("set_checkin", gettext("关闭签到"), { args: { open: false } })
        : commandButton("set_checkin", gettext("开放签到"), { args: { open: true } }),
    );
  }
  if (m.state === "open" && openBallot(ctx.state)) {
    const help = note(gettext("表决进行中：结束表决后才能进入下一项或散会。"), "span");
    help.className = "help";
    out.push(help);
  } else if (m.state === "open") {
    if (agenda.some((i) => i.state === "pending")) {
      out.push(commandButton("next_item", gettext("下一项议程"), { cls: "primary" }));
    }
    out.push(
      commandButton("close_meeting", gettext("宣布散会"), {
        cls: "danger",
        confirm: gettext("确定宣布散会吗？散会后将汇总会议纪要。"),
      }),
    );
  }
  if (!out.length) out.push(note(m.state === "cancelled" ? gettext("会议已取消。") : gettext("会议已结束。"), "span"));
  show(el, ...out);
}

export const views = [
  { name: "state", deps: ["meeting"], render: renderState },
  { name: "controls", deps: ["meeting", "agenda", "votes"], render: renderControls },
];
