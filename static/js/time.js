/* 芳华议事厅 — every time the browser writes, in Beijing time and the server's one format.
 *
 * The server sends ISO times with their offset ("2026-12-04T06:05:00+00:00", or a day
 * "2026-12-04"); this module prints them exactly as the template filter `bj_time` does
 * (community/times.py): Intl.DateTimeFormat with timeZone "Asia/Shanghai" gives the Beijing wall
 * time whatever the device's zone, and the patterns come from the page (<html data-time-formats>,
 * the same translatable patterns the server uses), so Chinese and English match the server's.
 */
const ZONE = "Asia/Shanghai";
// Only for a page without base.html (which puts the patterns on <html>): numbers, no words.
const FALLBACK = { moment: "m-d H:i", moment_year: "Y-m-d H:i", day: "m-d", day_year: "Y-m-d", M: [] };
const wall = new Intl.DateTimeFormat("en-US", {
  timeZone: ZONE, year: "numeric", month: "numeric", day: "numeric",
  hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function formats() {
  try {
    return { ...FALLBACK, ...JSON.parse(document.documentElement.dataset.timeFormats || "{}") };
  } catch (e) {
    return FALLBACK;
  }
}

/* Beijing's year, month, day, hour and minute of an instant (a Date or an ISO string). */
function fields(when) {
  const f = {};
  for (const p of wall.formatToParts(when instanceof Date ? when : new Date(when))) f[p.type] = p.value;
  return { Y: +f.year, n: +f.month, j: +f.day, H: +f.hour % 24, i: +f.minute };
}

const pad = (n) => String(n).padStart(2, "0");

/* Django's date format characters the four patterns use; any other character is printed as is. */
function apply(pattern, v, months) {
  let out = "";
  for (let k = 0; k < pattern.length; k++) {
    const c = pattern[k];
    if (c === "\\") { out += pattern[++k] || ""; continue; }
    out += c === "Y" ? v.Y : c === "n" ? v.n : c === "j" ? v.j : c === "m" ? pad(v.n)
      : c === "d" ? pad(v.j) : c === "H" ? pad(v.H) : c === "i" ? pad(v.i) : c === "M" ? months[v.n - 1] : c;
  }
  return out;
}

/* `iso` as the server's text: formatTime(iso), formatTime(iso, {day: true}), {year: true}. */
export function formatTime(iso, { day = false, year = false, now = new Date() } = {}) {
  if (!iso) return "";
  const f = formats();
  const d = DAY.exec(iso);
  if (!d && Number.isNaN(new Date(iso).getTime())) return "";
  const v = d ? { Y: +d[1], n: +d[2], j: +d[3], H: 0, i: 0 } : fields(iso);
  const key = (day || d ? "day" : "moment") + (year || v.Y !== fields(now).Y ? "_year" : "");
  return apply(f[key], v, f.M);
}

/* Fill a <time> element: its datetime attribute and its text, as the server renders one. */
export function setTime(el, iso, options) {
  el.setAttribute("datetime", iso);
  el.textContent = formatTime(iso, options);
  return el;
}
