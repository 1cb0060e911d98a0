/* The connection state, shown honestly: "live" only while the socket is open and in step. */
import { gettext } from "../i18n.js";
import { $ } from "./dom.js";

export function showConnection(ctx, s) {
  ctx.root.dataset.conn = s;
  const el = $("m-conn");
  if (!el) return;
  const text = {
    connecting: gettext("连接中…"),
    live: gettext("实时"),
    offline: gettext("已断开,正在重连…"),
    forbidden: gettext("无权进入"),
  };
  el.textContent = text[s] || s;
  el.className = "conn conn-" + s;
}
