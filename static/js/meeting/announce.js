/* What changed, said aloud (aria-live, for screen readers and the big screen). */
import { format, gettext } from "../i18n.js";
import { $ } from "./dom.js";
import { countsLine } from "./votes.js";

export function say(text) {
  const el = $("m-live");
  if (!el) return;
  el.textContent = "";
  setTimeout(() => {
    el.textContent = text;
  }, 30);
}

export function announceChanges(ctx, prev, next) {
  if (prev.meeting.state !== next.meeting.state) {
    if (next.meeting.state === "open") say(gettext("会议开始"));
    if (next.meeting.state === "closed") say(gettext("会议结束"));
  }
  const id = next.meeting.current_item_id;
  if (id && prev.meeting.current_item_id !== id) {
    const item = next.agenda.find((i) => i.id === id);
    if (item) say(format(gettext("第%(n)s项议程开始：%(title)s"), { n: item.number, title: item.title }));
  }
  const pb = prev.votes && prev.votes.ballot;
  const nb = next.votes && next.votes.ballot;
  if (nb && nb.state === "open" && (!pb || pb.id !== nb.id)) say(format(gettext("表决开始：%(title)s"), { title: nb.title }));
  if (nb && nb.state === "closed" && (!pb || pb.id !== nb.id || pb.state !== "closed")) {
    const result = ctx.labels.ballot_result[nb.result] || nb.result_label;
    say(format(gettext("表决结果：%(result)s。%(counts)s"), { result, counts: countsLine(ctx, nb) }));
  }
  const ps = prev.floor.speaker;
  const ns = next.floor.speaker;
  if (ns && (!ps || ps.id !== ns.id)) say(format(gettext("现在发言：%(name)s"), { name: ns.user.name }));
  else if (!ns && ps) say(gettext("发言结束"));
}
