/* The unread notification count in the header, updated live through the private room user.<id>. */
import { format, gettext } from "./i18n.js";
import { announce, connect } from "./room.js";

const link = document.querySelector("[data-me-socket]");
if (link) {
  // The menu's 通知 link and the bell beside 菜单 on a phone.
  const badges = document.querySelectorAll(".notif-count, .bell-count");
  const show = (n, latest) => {
    for (const badge of badges) {
      badge.textContent = String(n);
      badge.classList.toggle("zero", !n);
    }
    if (latest) announce(format(gettext("新通知：%(text)s"), { text: latest }));
  };
  connect(link.getAttribute("data-me-socket"), {
    snapshot: (data) => show(data.unread),
    event: (type, data) => {
      if (type === "notifications.changed") show(data.unread, data.latest);
    },
  });
}
