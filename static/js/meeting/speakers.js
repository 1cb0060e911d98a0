/* The floor: who speaks now, the moderator's floor controls, my hand, and the speaker queue. */
import { format, gettext } from "../i18n.js";
import { $, clone, commandButton, fill, note, part, refuse, show } from "./dom.js";
import { checkedIn, currentItem } from "./state.js";

function stanceBadge(ctx, el, stance) {
  el.textContent = ctx.labels.stance[stance] || stance;
  el.className = "stance stance-" + stance;
}

function renderSpeaker(ctx) {
  const f = ctx.state.floor;
  const el = $("m-speaker");
  if (el) {
    if (f.speaker) {
      const node = clone("tpl-speaker");
      fill(node, "lead", gettext("现在发言："));
      fill(node, "name", f.speaker.user.name);
      stanceBadge(ctx, part(node, "stance"), f.speaker.stance);
      part(node, "countdown").dataset.deadline = f.speaker.deadline;
      const ext = f.speaker.extended_seconds;
      fill(node, "extended", ext ? format(gettext("已延长 %(n)s 秒"), { n: ext }) : "");
      show(el, node);
    } else {
      show(el, ...(currentItem(ctx.state) ? [note(gettext("现在没有人发言。"))] : []));
    }
  }
  const ctl = $("m-floor-controls");
  if (ctl) {
    const out = [];
    if (currentItem(ctx.state)) {
      if (f.queue.length) out.push(commandButton("give_floor", gettext("请下一位发言"), { cls: "primary" }));
      if (f.speaker) {
        out.push(commandButton("extend_speech", gettext("延长60秒"), { args: { seconds: 60 } }));
        out.push(commandButton("end_speech", gettext("结束发言")));
      }
    }
    show(ctl, ...out);
  }
  ctx.tick();
}

function renderHand(ctx) {
  const el = $("m-hand");
  if (!el) return;
  const { floor: f, meeting: m } = ctx.state;
  const me = ctx.me;
  if (m.state !== "open" || !currentItem(ctx.state)) return show(el, note(gettext("议程开始后可以举手发言。")));
  if (f.speaker && f.speaker.user.id === me.id) {
    const node = clone("tpl-hand-mine");
    fill(node, "text", gettext("轮到您发言了。"));
    part(node, "actions").append(commandButton("end_speech", gettext("我说完了")));
    return show(el, node);
  }
  const pos = f.queue.findIndex((h) => h.user.id === me.id);
  if (pos >= 0) {
    const node = clone("tpl-hand-mine");
    const stance = ctx.labels.stance[f.queue[pos].stance];
    fill(node, "text", format(gettext("您已举手（%(stance)s），排在第 %(n)s 位。"), { stance, n: pos + 1 }));
    part(node, "actions").append(commandButton("lower_hand", gettext("放下手")));
    return show(el, node);
  }
  const node = clone("tpl-hand-raise");
  // What the server would refuse (the snapshot says it): the buttons stay, disabled, with why.
  const why = handRefusal(ctx);
  const raise = (stance, cls) => {
    const label = stance === "order" ? ctx.labels.stance.order : format(gettext("举手：%(stance)s"), { stance: ctx.labels.stance[stance] });
    const b = commandButton("raise_hand", label, { args: { stance }, cls: cls + " stance-" + stance });
    if (why && (why.all || stance !== "order")) refuse(b, "m-hand-why");
    return b;
  };
  part(node, "buttons").append(raise("for", "primary"), raise("against", "primary"), raise("order", ""));
  const whyEl = fill(node, "why", why ? why.text : "");
  whyEl.id = "m-hand-why";
  if (!why) {
    const left = Math.max(0, f.speeches_per_item - (f.spoken[String(me.id)] || 0));
    fill(node, "left", format(gettext("本项您还可以发言 %(n)s 次，每次 %(secs)s 秒。"), { n: left, secs: f.speech_limit_seconds }));
  } else fill(node, "left", "");
  show(el, node);
}

/* Why my hand would be refused, from the floor section: {all, text} or null. */
function handRefusal(ctx) {
  const f = ctx.state.floor;
  if (f.hand_needs_checkin && !checkedIn(ctx.state, ctx.me)) {
    return { all: true, text: gettext("请先签到（扫描会场的二维码，或请主持人代签），再举手发言。") };
  }
  if ((f.hand_refused || {})[String(ctx.me.id)] === "speech_limit") {
    const n = f.speeches_per_item;
    return {
      all: false,
      text: format(gettext("您在本项议程已发言 %(n)s 次，每人每项最多 %(n)s 次，不能再举手赞成或反对；秩序问题仍可举手。"), { n }),
    };
  }
  return null;
}

function renderQueue(ctx) {
  const el = $("m-queue");
  if (!el) return;
  const q = ctx.state.floor.queue;
  if (!q.length) return show(el, note(gettext("还没有人举手。"), "li"));
  const ids = q.map((h) => h.id);
  show(
    el,
    ...q.map((h, i) => {
      const li = clone("tpl-queue-hand");
      fill(li, "name", h.user.name);
      stanceBadge(ctx, part(li, "stance"), h.stance);
      if (ctx.perms.run) {
        const actions = part(li, "actions");
        if (i > 0) {
          const up = ids.slice();
          up.splice(i, 1);
          up.splice(i - 1, 0, h.id);
          actions.append(commandButton("reorder_queue", gettext("上移"), { args: { order: up }, cls: "small" }));
        }
        if (i < ids.length - 1) {
          const down = ids.slice();
          down.splice(i, 1);
          down.splice(i + 1, 0, h.id);
          actions.append(commandButton("reorder_queue", gettext("下移"), { args: { order: down }, cls: "small" }));
        }
        actions.append(
          commandButton("remove_hand", gettext("移出"), {
            args: { speech_id: h.id },
            cls: "small danger",
            confirm: format(gettext("确定把 %(name)s 移出发言队列吗？"), { name: h.user.name }),
          }),
        );
        actions.hidden = false;
      }
      return li;
    }),
  );
}

export const views = [
  { name: "speaker", deps: ["floor", "meeting", "agenda"], render: renderSpeaker },
  { name: "hand", deps: ["floor", "meeting", "agenda", "attendance"], render: renderHand },
  { name: "queue", deps: ["floor"], render: renderQueue },
];
