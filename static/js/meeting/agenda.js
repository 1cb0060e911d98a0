/* The current agenda item and the agenda list (with the moderator's row actions). */
import { format, gettext } from "../i18n.js";
import { $, clone, commandButton, fill, note, part, show } from "./dom.js";
import { currentItem } from "./state.js";

function renderCurrent(ctx) {
  const el = $("m-current");
  if (!el) return;
  const m = ctx.state.meeting;
  const item = currentItem(ctx.state);
  if (m.state === "closed") return show(el, note(gettext("会议已结束。")));
  if (m.state === "cancelled") return show(el, note(gettext("会议已取消。")));
  if (!item) {
    const text = m.state === "open" ? gettext("会议已开始，等待主持人开始议程。") : gettext("会议尚未开始。");
    return show(el, note(text));
  }
  const node = clone("tpl-current");
  fill(node, "number", format(gettext("第%(n)s项"), { n: item.number }));
  fill(node, "title", item.title);
  fill(node, "budget", item.budget_minutes ? format(gettext("时间预算 %(n)s 分钟"), { n: item.budget_minutes }) : "");
  show(el, node);
}

function renderAgenda(ctx) {
  const el = $("m-agenda");
  if (!el) return;
  const { meeting: m, agenda } = ctx.state;
  if (!agenda.length) return show(el, note(gettext("议程为空。"), "li"));
  const open = m.state === "scheduled" || m.state === "open";
  show(
    el,
    ...agenda.map((i, n) => {
      const li = clone("tpl-agenda-item");
      li.classList.add("state-" + i.state);
      if (i.state === "open") li.setAttribute("aria-current", "step");
      fill(li, "title", i.title);
      fill(li, "kind", i.proposal ? format(gettext("议题 #%(id)s"), { id: i.proposal.id }) : gettext("自由议程"));
      fill(li, "budget", i.budget_minutes ? format(gettext("%(n)s 分钟"), { n: i.budget_minutes }) : "");
      const st = fill(li, "state", ctx.labels.item_state[i.state] || i.state);
      if (i.state === "open") st.classList.add("ok");
      if (ctx.perms.run && open && i.state === "pending") {
        const actions = part(li, "actions");
        const args = { item_id: i.id };
        if (m.state === "open") actions.append(commandButton("open_item", gettext("开始此项"), { args, cls: "small" }));
        if (n > 0) {
          actions.append(commandButton("move_item", gettext("上移"), { args: { ...args, direction: "up" }, cls: "small" }));
        }
        if (n < agenda.length - 1) {
          actions.append(commandButton("move_item", gettext("下移"), { args: { ...args, direction: "down" }, cls: "small" }));
        }
        actions.append(
          commandButton("remove_item", gettext("移出议程"), {
            args,
            cls: "small danger",
            confirm: format(gettext("确定把「%(title)s」移出议程吗？"), { title: i.title }),
          }),
        );
        actions.hidden = false;
      }
      return li;
    }),
  );
}

export const views = [
  { name: "current", deps: ["meeting", "agenda"], render: renderCurrent },
  { name: "agenda", deps: ["meeting", "agenda"], render: renderAgenda },
];
