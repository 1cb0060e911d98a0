/* Votes on the current item (docs/meetings.md, "Votes"): the status, my vote, the moderator's
 * forms, and the big screen's panel. */
import { format, gettext } from "../i18n.js";
import { $, clone, commandButton, fill, note, part, refuse, show } from "./dom.js";
import { checkedIn, currentItem } from "./state.js";

export function ballot(state) {
  return (state.votes && state.votes.ballot) || null;
}

/* A motion's fixed options (for/against/abstain) in the page's language; a poll's as written. */
export function optionLabel(ctx, b, o) {
  return (b.kind === "for_against" && ctx.labels.motion_option[o.key]) || o.label;
}

export function countsLine(ctx, b) {
  if (!b.totals) return "";
  return b.options.map((o) => optionLabel(ctx, b, o) + " " + (b.totals[o.key] || 0)).join(" · ");
}

function resultLine(ctx, b) {
  const label = b.result ? ctx.labels.ballot_result[b.result] || b.result_label : "";
  return countsLine(ctx, b) + (label ? " — " + label : "");
}

function sourcesLine(ctx, b) {
  const src = ctx.labels.ballot_source;
  let text = src.online + " " + b.online;
  if (b.hand) text += " · " + src.hand + " " + b.hand.voters;
  return text;
}

function voteStatus(ctx, b) {
  const node = clone("tpl-vote-status");
  const st = fill(node, "state", ctx.labels.ballot_state[b.state] || b.state_label);
  if (b.state === "open") st.classList.add("ok");
  fill(node, "title", b.title);
  fill(
    node,
    "how",
    [ctx.labels.ballot_kind[b.kind], b.secret ? gettext("无记名") : gettext("记名"), ctx.labels.majority_rule[b.majority_rule]].join(" · "),
  );
  fill(node, "turnout-lead", gettext("已投票 "));
  part(node, "turnout").textContent = b.turnout;
  fill(
    node,
    "turnout-rest",
    format(gettext("/ %(electorate)s 人（%(sources)s） · 到会 %(present)s 人"), {
      electorate: b.electorate,
      sources: sourcesLine(ctx, b),
      present: b.present,
    }),
  );
  if (b.state === "closed") {
    fill(node, "result", resultLine(ctx, b)).classList.add("result-" + b.result);
    fill(node, "quorum", b.quorum_met ? gettext("达到法定人数") : gettext("未达到法定人数"));
    const link = part(node, "link");
    link.href = b.url;
    link.textContent = gettext("表决详情");
    part(node, "after").hidden = false;
  } else if (b.results_visible) {
    fill(node, "counts", countsLine(ctx, b));
  } else {
    fill(node, "later", gettext("结果在表决结束后公布。"));
  }
  return node;
}

function myVote(ctx, b) {
  const mine = ctx.receipts[b.id];
  if (b.voted.includes(ctx.me.id)) {
    const node = clone("tpl-vote-mine");
    fill(node, "text", gettext("您已投票，投票后不能更改。"));
    if (mine) {
      fill(node, "receipt-lead", gettext("回执码："));
      fill(node, "receipt", mine);
      fill(node, "receipt-note", gettext("（请记下，可在结果公布后核对）"));
      part(node, "receipt-box").hidden = false;
    }
    return node;
  }
  if (b.hand_counted.includes(ctx.me.id)) {
    const node = clone("tpl-vote-mine");
    fill(node, "text", gettext("您已在现场举手表决中计票。"));
    return node;
  }
  const why = castRefusal(ctx, b);
  const panel = clone("tpl-vote-panel");
  panel.setAttribute("aria-label", gettext("投票"));
  fill(panel, "warning", gettext("注意：投票后不能更改。"));
  part(panel, "buttons").append(
    ...b.options.map((o) => {
      const cls = o.key === "for" ? "primary stance-for" : o.key === "against" ? "primary stance-against" : "";
      const label = optionLabel(ctx, b, o);
      const button = commandButton("ballot_cast", label, {
        args: { choice: o.key },
        cls,
        confirm: format(gettext("确定投「%(label)s」吗？投票后不能更改。"), { label }),
      });
      if (why) refuse(button, "m-vote-why");
      return button;
    }),
  );
  fill(panel, "why", why).id = "m-vote-why";
  return panel;
}

/* Why the server would refuse my vote here (from the votes section), or "". */
function castRefusal(ctx, b) {
  if (b.electors && !b.electors.includes(ctx.me.id)) {
    return gettext("您不在本次表决的投票人名册中（名册在表决开始时确定），不能投票。");
  }
  if (b.cast_needs_checkin && !checkedIn(ctx.state, ctx.me)) return gettext("请先签到，签到后才能在会场投票。");
  return "";
}

function renderVote(ctx) {
  const el = $("m-vote");
  if (!el) return;
  const b = ballot(ctx.state);
  const item = currentItem(ctx.state);
  if (!item || ctx.state.meeting.state !== "open") {
    return show(el, b ? voteStatus(ctx, b) : note(gettext("议程开始后，主持人可以发起表决。")));
  }
  const out = [b ? voteStatus(ctx, b) : note(gettext("本项议程还没有表决。"))];
  if (ctx.mode === "room" && b && b.state === "open") out.push(myVote(ctx, b));
  show(el, ...out);
}

function ballotOpenForm(ctx, item) {
  const form = clone("tpl-ballot-open");
  fill(form, "legend", gettext("发起表决（赞成/反对/弃权）"));
  fill(form, "title-label", gettext("表决事项"));
  form.elements.title.placeholder = item.title;
  fill(form, "secret-label", gettext("无记名投票"));
  fill(form, "live-label", gettext("实时显示结果（仅记名）"));
  fill(form, "rule-label", gettext("表决规则"));
  const rules = { "": gettext("本厅默认规则"), ...ctx.labels.majority_rule };
  part(form, "rules").append(
    ...Object.keys(rules).map((k) => {
      const o = clone("tpl-option");
      o.value = k;
      o.textContent = rules[k];
      return o;
    }),
  );
  fill(form, "submit", gettext("开始表决"));
  return form;
}

function handCountForm(ctx, b) {
  const box = clone("tpl-hand-count");
  fill(box, "legend", gettext("现场举手计票（没有手机的到会人员）"));
  part(box, "options").append(
    ...b.options.map((o) => {
      const label = clone("tpl-hand-count-option");
      fill(label, "label", optionLabel(ctx, b, o));
      const input = label.querySelector("input");
      input.name = o.key;
      input.value = (b.hand && b.hand.votes && b.hand.votes[o.key]) || 0;
      return label;
    }),
  );
  fill(box, "ceiling-lead", gettext("最多 "));
  part(box, "ceiling").textContent = b.hand_ceiling;
  fill(box, "ceiling-rest", gettext(" 人（已签到且未在线投票的人；同一人不能重复计票）。"));
  fill(box, "submit", gettext("录入举手计票"));
  part(box, "close").append(
    commandButton("ballot_close", gettext("结束表决"), {
      cls: "danger",
      confirm: format(gettext("确定结束表决「%(title)s」吗？结束后立即计票。"), { title: b.title }),
    }),
  );
  return box;
}

function renderVoteControls(ctx) {
  const ctl = $("m-vote-controls");
  if (!ctl) return;
  const b = ballot(ctx.state);
  const item = currentItem(ctx.state);
  if (!item || ctx.state.meeting.state !== "open") {
    ctl.replaceChildren();
    ctl.dataset.key = "";
    return;
  }
  // Rebuild the moderator's forms only when the vote changes, not while someone types in them.
  const key = item.id + ":" + (b ? b.id + b.state : "none");
  if (ctl.dataset.key === key) {
    const ceil = $("m-hand-ceiling");
    if (ceil && b) ceil.textContent = b.hand_ceiling;
    return;
  }
  ctl.dataset.key = key;
  show(ctl, b && b.state === "open" ? handCountForm(ctx, b) : ballotOpenForm(ctx, item));
}

function renderScreenVote(ctx) {
  const el = $("m-vote-screen");
  if (!el) return;
  const b = ballot(ctx.state);
  el.hidden = !b;
  if (!b) return el.replaceChildren();
  const node = clone("tpl-vote-screen");
  fill(node, "title", format(gettext("表决：%(title)s"), { title: b.title }));
  fill(node, "state", ctx.labels.ballot_state[b.state] || b.state_label);
  const big =
    b.state === "closed"
      ? resultLine(ctx, b)
      : b.results_visible
        ? countsLine(ctx, b)
        : format(gettext("已投票 %(n)s / %(electorate)s"), { n: b.turnout, electorate: b.electorate });
  fill(node, "big", big).classList.add("result-" + (b.result || b.state));
  fill(
    node,
    "turnout",
    format(gettext("已投票 %(n)s / %(electorate)s 人（%(sources)s）"), {
      n: b.turnout,
      electorate: b.electorate,
      sources: sourcesLine(ctx, b),
    }),
  );
  show(el, node);
}

export const views = [
  { name: "vote", deps: ["votes", "meeting", "agenda", "attendance", "receipts"], render: renderVote },
  { name: "vote-controls", deps: ["votes", "meeting", "agenda"], render: renderVoteControls },
  { name: "vote-screen", deps: ["votes"], render: renderScreenVote },
];
