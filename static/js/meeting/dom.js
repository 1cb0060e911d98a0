/* Small DOM helpers: clone a <template> of the room page and fill its data-part slots. */

export const $ = (id) => document.getElementById(id);

/* A fresh copy of the first element of <template id="...">. */
export function clone(id) {
  return $(id).content.firstElementChild.cloneNode(true);
}

/* The element marked data-part="name" inside node. */
export function part(node, name) {
  return node.querySelector('[data-part="' + name + '"]');
}

/* Set a slot's text; show it if text is given, hide it if text is empty/null. */
export function fill(node, name, text) {
  const el = part(node, name);
  el.textContent = text == null ? "" : String(text);
  el.hidden = text == null || text === "";
  return el;
}

/* Muted text: a paragraph, or a list item (as="li"), or a phrase in a row (as="span"). */
export function note(text, as = "p") {
  const el = clone({ p: "tpl-note", li: "tpl-note-li", span: "tpl-note-span" }[as]);
  el.textContent = text;
  return el;
}

/* A command button: the click handler (commands.js) sends data-cmd with data-args. */
export function commandButton(cmd, label, opts = {}) {
  const b = clone("tpl-cmd");
  b.dataset.cmd = cmd;
  b.textContent = label;
  if (opts.cls) b.className += " " + opts.cls;
  if (opts.args) b.dataset.args = JSON.stringify(opts.args);
  if (opts.confirm) b.dataset.confirm = opts.confirm;
  return b;
}

/* A button the server would refuse (the snapshot says so): disabled, and described by the
 * reason shown next to it (the element whyId). The server still refuses the command. */
export function refuse(b, whyId) {
  b.disabled = true;
  b.setAttribute("aria-describedby", whyId);
}

/* Replace an element's children (nothing if el is absent from this page). */
export function show(el, ...children) {
  if (el) el.replaceChildren(...children);
}
