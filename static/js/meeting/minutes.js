/* The minutes: everyone reads them live; the recorder writes, autosaved.
 * Large notes go over HTTP: websocket frames are capped at 16 KiB. */
import { format, gettext } from "../i18n.js";
import { $, note, show } from "./dom.js";

function renderMinutes(ctx) {
  const mn = ctx.state.minutes;
  const view = $("m-minutes");
  if (view) {
    if (mn.html) view.innerHTML = mn.html; // rendered and sanitised (nh3) on the server
    else show(view, note(gettext("记录员尚未开始记录。")));
  }
  const edit = $("m-minutes-edit");
  if (edit) {
    if (document.activeElement !== edit && edit.value !== mn.body) edit.value = mn.body;
    edit.readOnly = mn.locked;
    if (edit.dataset.version === undefined || +edit.dataset.version < mn.version) edit.dataset.version = mn.version;
  }
  const link = $("m-minutes-link");
  if (link) link.hidden = !mn.assembled;
}

export function startAutosave(ctx) {
  const edit = $("m-minutes-edit");
  if (!edit) return;
  const status = $("m-minutes-status");
  const say = (text) => {
    if (status) status.textContent = text;
  };
  let timer = null;

  function save() {
    const body = edit.value;
    const base = +edit.dataset.version || 0;
    const done = (data) => {
      edit.dataset.version = data.version;
      say(format(gettext("已自动保存（第 %(n)s 版）"), { n: data.version }));
    };
    const fail = (err) => say(gettext("保存失败：") + (err.message || err.detail || ""));
    say(gettext("正在保存…"));
    if (new Blob([body]).size < 12000 && ctx.room) {
      ctx.room.send("save_minutes", { body, base_version: base }).then(done, fail);
      return;
    }
    const token = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
    fetch("/api/v1/meetings/" + ctx.root.dataset.meeting + "/actions/save_minutes", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ body, base_version: base }),
    }).then((r) => r.json().then((j) => (r.ok ? done(j) : fail(j))), fail);
  }

  edit.addEventListener("input", () => {
    clearTimeout(timer);
    say(gettext("有改动，稍后自动保存…"));
    timer = setTimeout(save, 1200);
  });
}

export const views = [{ name: "minutes", deps: ["minutes"], render: renderMinutes }];
