/* An open ballot's page: the turnout (and the counts, when they may be shown) live. */
import { format, gettext } from "./i18n.js";
import { connect } from "./room.js";

const box = document.getElementById("live-tally");
const status = document.getElementById("live-status");
const labels = JSON.parse(document.getElementById("ballot-labels").textContent);
const clone = (id) => document.getElementById(id).content.firstElementChild.cloneNode(true);
const part = (node, name) => node.querySelector('[data-part="' + name + '"]');

function render(d) {
  const node = clone("tpl-live-tally");
  part(node, "turnout").textContent = d.turnout;
  part(node, "electorate").textContent = format(gettext("%(n)s 人已投票"), { n: d.electorate });
  if (d.totals) {
    const rows = part(node, "rows");
    for (const k of Object.keys(labels)) {
      const n = d.totals[k] || 0;
      const row = clone("tpl-tally-row");
      part(row, "label").textContent = labels[k];
      part(row, "bar").style.width = (d.turnout ? Math.round((100 * n) / d.turnout) : 0) + "%";
      part(row, "count").textContent = n;
      rows.append(row);
    }
    rows.hidden = false;
  } else {
    const later = part(node, "later");
    later.textContent = gettext("结果在投票结束后公布。");
    later.hidden = false;
  }
  box.replaceChildren(node);
}

if (box) {
  connect("/ws/ballots/" + box.dataset.ballot + "/", {
    snapshot: render,
    event(type, d) {
      if (type === "ballot.tally") render(d);
      if (type === "ballot.state" && d.state === "closed") location.reload();
    },
    status(s) {
      const words = { live: gettext("实时更新中"), unstable: gettext("连接不稳定"), offline: gettext("连接中断，正在重连…") };
      status.textContent = words[s] || "";
    },
  });
}
