/* The room's state: a snapshot plus the deltas since, applied in seq order.
 *
 * applyEvent mirrors deliberation/meetings/protocol.py: an event's data holds the full new
 * value of each section it changes (presence: a count and a delta, see applyPresence). changedSections tells which sections really differ, so
 * that only the parts of the page that read them are rendered again.
 */

export const SECTIONS = ["meeting", "agenda", "attendance", "floor", "minutes", "votes"];
const PRESENCE = "presence.changed";
const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

/* Who is online after one presence.changed (realtime/presence.py `apply` mirrors it): the count
 * is always the event's; a list held ({users, next}) takes the delta (joined, left), or on
 * `more` is kept but marked stale, to be asked for again (presence_list). */
export function applyPresence(current, data) {
  const out = { online: data.online };
  if (!current || !current.users) return out;
  out.next = current.next === undefined ? null : current.next;
  if (data.more || current.stale) return Object.assign(out, { users: current.users.slice(), stale: true });
  const gone = new Set(data.left || []);
  const users = new Map();
  for (const u of current.users) if (!gone.has(u.id)) users.set(u.id, u);
  for (const u of data.joined || []) users.set(u.id, { id: u.id, name: u.name });
  out.users = [...users.keys()].sort((a, b) => a - b).map((k) => users.get(k));
  return out;
}

export function applyEvent(state, type, data) {
  const s = Object.assign({}, state);
  if (type === PRESENCE) {
    s.presence = applyPresence(state.presence, data);
    return s;
  }
  for (const k of SECTIONS) if (has(data, k)) s[k] = data[k];
  return s;
}

/* The sections an event (or a new snapshot) changes compared with the current state. */
export function changedSections(prev, next) {
  const out = new Set();
  for (const k of SECTIONS.concat(["presence"])) {
    if (JSON.stringify(prev[k]) !== JSON.stringify(next[k])) out.add(k);
  }
  return out;
}

export function currentItem(state) {
  const id = state.meeting.current_item_id;
  return state.agenda.find((i) => i.id === id) || null;
}

export function checkedIn(state, me) {
  return state.attendance.checkins.some((c) => c.user.id === me.id);
}

export function openBallot(state) {
  const b = state.votes && state.votes.ballot;
  return b && b.state === "open" ? b : null;
}
