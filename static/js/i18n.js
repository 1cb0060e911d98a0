/* Django's JavaScript catalog (/jsi18n/, loaded by base.html) as module imports.
 *
 * The catalog script defines gettext/ngettext/interpolate globally; where it is missing (a page
 * that does not load it) the Chinese source text is shown, which is the site's own language.
 */
const g = globalThis;

export function gettext(msgid) {
  return typeof g.gettext === "function" ? g.gettext(msgid) : msgid;
}

export function ngettext(singular, plural, count) {
  if (typeof g.ngettext === "function") return g.ngettext(singular, plural, count);
  return count === 1 ? singular : plural;
}

/* Fill %(name)s placeholders from an object: format(gettext("第%(n)s项"), {n: 3}). */
export function format(text, values) {
  return text.replace(/%\((\w+)\)s/g, (m, key) => (key in values ? String(values[key]) : m));
}
