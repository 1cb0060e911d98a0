/* Countdowns, server-authoritative: the speaker's time left and the time until the meeting starts. */
import { format, gettext } from "../i18n.js";
import { secondsUntil } from "../room.js";
import { $ } from "./dom.js";

function clock(secs) {
  const m = Math.floor(secs / 60);
  const s = secs % 60;
  return m + ":" + (s < 10 ? "0" : "") + s;
}

export function makeTick(ctx) {
  const warned = {};
  return function tick() {
    document.querySelectorAll(".countdown[data-deadline]").forEach((el) => {
      const secs = secondsUntil(el.dataset.deadline, ctx.offset);
      el.textContent = secs > 0 ? clock(secs) : gettext("时间到");
      el.classList.toggle("warn", secs <= 30);
      const key = el.dataset.deadline;
      if (secs <= 30 && secs > 0 && !warned[key] && ctx.state.floor.speaker) {
        warned[key] = true;
        ctx.say(gettext("发言剩余30秒"));
      }
    });
    const cd = $("m-countdown");
    if (!cd) return;
    const m = ctx.state.meeting;
    if (m.state !== "scheduled") {
      cd.textContent = "";
      return;
    }
    const s = secondsUntil(m.starts_at, ctx.offset);
    if (s <= 0) {
      cd.textContent = gettext("即将开始");
      return;
    }
    const d = Math.floor(s / 86400);
    const h = Math.floor((s % 86400) / 3600);
    const mi = Math.floor((s % 3600) / 60);
    cd.textContent = d
      ? format(gettext("距开会还有 %(d)s 天 %(h)s 小时 %(m)s 分"), { d, h, m: mi })
      : format(gettext("距开会还有 %(h)s 小时 %(m)s 分"), { h, m: mi });
  };
}
