/* The connection state, shown honestly: "live" only while the socket is open and in step.
 *
 * Closed with 4403 (the person may not be in this room, or no longer: her membership, role or
 * account changed while she was connected), the room says so in words at the top, in place of
 * the controls, and does not try again (room.js never reconnects after 4403).
 */
import { gettext } from "../i18n.js";
import { $ } from "./dom.js";

export function closedMessage(reason) {
  const next = gettext("页面不会自动重新连接。如有疑问,请联系议事厅负责人。");
  if (reason) return reason + " " + next;
  return (
    gettext("无法进入会议室:您可能已退出登录,或您的成员身份、角色已经变更。请刷新页面或重新登录。") +
    " " +
    next
  );
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

export function showConnection(ctx, s, reason) {
  ctx.root.dataset.conn = s;
  if (s === "forbidden") showClosed(ctx, reason);
  const el = $("m-conn");
  if (!el) return;
  const text = {
    connecting: gettext("连接中…"),
    live: gettext("实时"),
    offline: gettext("已断开,正在重连…"),
    forbidden: gettext("已断开,无权进入"),
  };
  el.textContent = text[s] || s;
  el.className = "conn conn-" + s;
}
