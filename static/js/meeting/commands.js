/* Commands to the room: buttons with data-cmd, the moderator's forms, errors as a toast.
 * Nothing is sent while the room is not live (connection.js says why); a command sent again
 * after a reconnect is followed by 您刚才的…已经成功 / 没有成功 in the connection banner. */
import { format, gettext } from "../i18n.js";
import { notLiveReason, tellResent } from "./connection.js";
import { $ } from "./dom.js";
import { currentItem } from "./state.js";
import { ballot } from "./votes.js";

const INTS = ["item_id", "user_id", "speech_id", "budget_minutes", "proposal_id", "seconds", "base_version"];

function popup(id, role, kind, text) {
  let el = $(id);
  if (!el) {
    el = document.createElement("div");
    el.id = id;
    el.setAttribute("role", role);
    document.body.appendChild(el);
  }
  el.className = "toast " + kind;
  el.textContent = text;
  clearTimeout(el._t);
  el._t = setTimeout(() => {
    el.textContent = "";
    el.className = "toast";
  }, 6000);
}

const toast = (text) => popup("m-toast", "alert", "error", text);
/* A command the server did, in the words of its reply (e.g. the show of hands entered):
 * shown, and read out by screen readers (role=status is a polite live region). */
const done = (text) => popup("m-done", "status", "success", "✓ " + text);

export function startCommands(ctx) {
  // The live region exists (empty) before the first confirmation, so screen readers hear it.
  popup("m-done", "status", "", "");
  function send(cmd, data) {
    if (!ctx.room) return;
    if (ctx.closed) {
      toast(ctx.closed); // the room was closed to this person: say why instead of "offline"
      return;
    }
    const notLive = notLiveReason(ctx);
    if (notLive) {
      toast(notLive); // not sent: the connection is not live (the buttons are disabled too)
      return;
    }
    ctx.room.send(cmd, data || {}).then(
      (reply) => {
        if (reply && reply.resent) tellResent(ctx, cmd, true);
        if (reply && reply.message) done(reply.message);
        const b = ballot(ctx.state);
        if (cmd === "ballot_cast" && reply && reply.receipt && b) {
          ctx.receipts[b.id] = reply.receipt;
          ctx.say(format(gettext("投票成功，回执码 %(receipt)s"), { receipt: reply.receipt }));
          ctx.render(new Set(["receipts"]));
        }
      },
      (err) => {
        if (err.resent) tellResent(ctx, cmd, false, err.code === "offline" ? "" : err.message);
        else toast(err.message || gettext("操作失败"));
      },
    );
  }

  document.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-cmd]");
    if (!b || !ctx.root.contains(b)) return;
    if (b.dataset.confirm && !window.confirm(b.dataset.confirm)) return;
    send(b.dataset.cmd, b.dataset.args ? JSON.parse(b.dataset.args) : {});
  });

  document.addEventListener("submit", (e) => {
    const f = e.target;
    if (f.id === "m-ballot-open") {
      e.preventDefault();
      const title = f.elements.title.value.trim() || (currentItem(ctx.state) || {}).title || "";
      if (!window.confirm(format(gettext("确定开始表决「%(title)s」吗？开始后不能修改表决设置。"), { title }))) return;
      send("ballot_open", {
        title: f.elements.title.value,
        secret: f.elements.secret.checked,
        results_live: f.elements.results_live.checked,
        majority_rule: f.elements.majority_rule.value,
      });
      return;
    }
    if (f.id === "m-hand-count") {
      e.preventDefault();
      const votes = {};
      let voters = 0;
      f.querySelectorAll("input[type=number]").forEach((i) => {
        const n = parseInt(i.value, 10) || 0;
        votes[i.name] = n;
        voters += n;
      });
      send("hand_count", { voters, votes });
      return;
    }
    const form = f.closest("form[data-cmd]");
    if (!form || !ctx.root.contains(form)) return;
    e.preventDefault();
    const data = {};
    new FormData(form).forEach((v, k) => {
      data[k] = INTS.includes(k) ? parseInt(v, 10) : v;
    });
    send(form.dataset.cmd, data);
  });
}
