/* The "重新获取验证码" button waits out its countdown (data-countdown seconds), showing the
   seconds left, then becomes usable (the server refuses an earlier code either way). */
import { format, gettext } from "./i18n.js";

for (const button of document.querySelectorAll("[data-countdown]")) {
  let left = parseInt(button.getAttribute("data-countdown") || "0", 10);
  if (!(left > 0)) continue;
  const label = button.textContent;
  const template = button.getAttribute("data-countdown-text") || gettext("%(n)s 秒后可重新获取");
  const tick = () => {
    if (left <= 0) {
      button.disabled = false;
      button.textContent = label;
      return;
    }
    button.disabled = true;
    button.textContent = format(template, { n: left });
    left -= 1;
    window.setTimeout(tick, 1000);
  };
  tick();
}
