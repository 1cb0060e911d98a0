/* The connection state, shown honestly: "live" （实时） only while the server answers pings.
 *
 * room.js pings every 3 s: a ping 3 s late makes the state "unstable" （连接不稳定），12 s of
 * silence gives the socket up ("offline": 已断开，正在重连…). Both are said in a banner fixed to
 * the bottom of the screen (#m-conn-banner, aria-live polite) — over the hand and vote buttons,
 * where the person is looking — and every command button is disabled, with the reason in the
 * banner, until the room is live again. A command that was sent but not answered is sent again
 * after the reconnect with the same id (the server applies it at most once), and the banner then
 * says whether it was applied.
 *
 * Closed with 4403 (the person may not be in this room, or no longer: her membership, role or
 * account changed while she was connected), the room says so in words at the top, in place of
 * the controls, and does not try again (room.js never reconnects after 4403).
 */
import { format, gettext } from "../i18n.js";
import { $ } from "./dom.js";

const COMMAND_BUTTONS = "button[data-cmd], form[data-cmd] button, #m-ballot-open button, #m-hand-count button";
const TELL_SECONDS = 12;

export function closedMessage(reason) {
  const next = gettext("页面不会自动重新连接。如有疑问，请联系议事厅负责人。");
  if (reason) return reason + " " + next;
  return (
    gettext("无法进入会议室：您可能已退出登录，或您的成员身份、角色已经变更。请刷新页面或重新登录。") +
    " " +
    next
  );
}

/* What a command is called when the person is told about it ("您刚才的举手…"). */
export function actionName(cmd) {
  const names = {
    raise_hand: gettext("举手"),
    lower_hand: gettext("放下手"),
    end_speech: gettext("结束发言"),
    ballot_cast: gettext("投票"),
  };
  return names[cmd] || gettext("操作");
}

function showClosed(ctx, reason) {
  ctx.closed = closedMessage(reason);
  let el = $("m-closed");
  if (!el) {
    el = document.createElement("p");
    el.id = "m-closed";
    el.className = "msg msg-error closed-notice";
    el.setAttribute("role", "alert");
    ctx.root.prepend(el);
  }
  el.textContent = ctx.closed;
}

function banner(ctx) {
  let el = $("m-conn-banner");
  if (!el) {
    el = document.createElement("div");
    el.id = "m-conn-banner";
    el.className = "conn-banner";
    el.setAttribute("role", "status");
    el.setAttribute("aria-live", "polite");
    el.hidden = true;
    ctx.root.append(el);
  }
  return el;
}

/* Why commands cannot be sent now, or null while the room is live. */
export function notLiveReason(ctx) {
  const s = ctx.root.dataset.conn;
  if (s === "live" || s === "forbidden") return null;
  if (s === "unstable") return gettext("连接不稳定，正在检查…暂时不能举手或投票，请稍候。");
  if ((s === "connecting" || !s) && !ctx.wasLive) return gettext("正在连接会议室，请稍候。");
  return gettext("已断开，正在重连…暂时不能举手或投票，请稍候。");
}

/* Disable every command button while the room is not live (and enable them again after). */
export function applyLive(ctx) {
  const reason = notLiveReason(ctx);
  ctx.root.querySelectorAll(COMMAND_BUTTONS).forEach((b) => {
    if (reason) {
      if (!b.disabled) {
        b.disabled = true;
        b.dataset.offline = "1";
      }
      b.title = reason;
    } else if (b.dataset.offline) {
      b.disabled = false;
      delete b.dataset.offline;
      b.removeAttribute("title");
    }
  });
}

function drawBanner(ctx) {
  const el = banner(ctx);
  const reason = ctx.wasLive ? notLiveReason(ctx) : null;
  const lines = [];
  if (reason) {
    lines.push(reason);
    const waiting = ctx.room && ctx.room.waiting ? ctx.room.waiting() : [];
    if (waiting.length) {
      lines.push(
        format(gettext("您刚才的%(action)s还没有得到回应，连接恢复后会自动重新发送。"), {
          action: actionName(waiting[waiting.length - 1]),
        }),
      );
    }
  } else if (ctx.told) {
    lines.push(ctx.told.text);
  }
  el.hidden = !lines.length;
  el.className = "conn-banner" + (reason ? " conn-banner-" + ctx.root.dataset.conn : ctx.told ? " conn-banner-" + ctx.told.kind : "");
  if (el.textContent !== lines.join(" ")) el.textContent = lines.join(" ");
}

/* After a reconnect: tell the person whether the command she had sent was applied. */
export function tellResent(ctx, cmd, applied, detail) {
  const action = actionName(cmd);
  const text = applied
    ? format(gettext("您刚才的%(action)s已经成功。"), { action })
    : format(gettext("您刚才的%(action)s没有成功，请再试一次。"), { action }) + (detail ? " " + detail : "");
  ctx.told = { text, kind: applied ? "ok" : "failed" };
  clearTimeout(ctx.toldTimer);
  ctx.toldTimer = setTimeout(() => {
    ctx.told = null;
    drawBanner(ctx);
  }, TELL_SECONDS * 1000);
  drawBanner(ctx);
}

export function showConnection(ctx, s, reason) {
  ctx.root.dataset.conn = s;
  if (s === "live") ctx.wasLive = true;
  if (s === "forbidden") showClosed(ctx, reason);
  applyLive(ctx);
  drawBanner(ctx);
  const el = $("m-conn");
  if (!el) return;
  const text = {
    connecting: gettext("连接中…"),
    live: gettext("实时"),
    unstable: gettext("连接不稳定"),
    offline: gettext("已断开，正在重连…"),
    forbidden: gettext("已断开，无权进入"),
  };
  el.textContent = text[s] || s;
  el.className = "conn conn-" + s;
}
