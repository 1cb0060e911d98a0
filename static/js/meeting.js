/* 芳华议事厅 — the live meeting room (docs/realtime.md, "Meeting room").
 *
 * Renders the room from the snapshot and applies deltas in seq order (FH.connect does the
 * ordering and the resync). applyEvent mirrors deliberation/meetings/protocol.py: an event's
 * data holds the full new value of each section it changes. No build step.
 */
(function () {
  "use strict";
  var SECTIONS = ["meeting", "agenda", "attendance", "floor", "minutes", "votes"];
  var STANCE = { "for": "赞成", against: "反对", order: "秩序问题" };
  var INTS = ["item_id", "user_id", "speech_id", "budget_minutes", "proposal_id", "seconds", "base_version"];

  function applyEvent(state, type, data) {
    var s = Object.assign({}, state);
    if (type === "presence.changed") { s.presence = data; return s; }
    SECTIONS.forEach(function (k) { if (Object.prototype.hasOwnProperty.call(data, k)) s[k] = data[k]; });
    return s;
  }

  var root = document.getElementById("meeting");
  if (!root) return;
  var mode = root.dataset.mode;
  var perms = window.MEETING_PERMS || {};
  var me = JSON.parse(document.getElementById("m-me").textContent);
  var rosterEl = document.getElementById("m-roster");
  var roster = rosterEl ? JSON.parse(rosterEl.textContent) : [];
  var state = JSON.parse(document.getElementById("m-snapshot").textContent);
  var offset = 0; // server clock − client clock, ms
  var room = null;
  var warned = {};

  function $(id) { return document.getElementById(id); }
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function setOffset(serverNow) { if (serverNow) offset = Date.parse(serverNow) - Date.now(); }
  function say(text) {
    var el = $("m-live");
    if (el) { el.textContent = ""; setTimeout(function () { el.textContent = text; }, 30); }
  }
  function toast(text, isError) {
    var el = $("m-toast");
    if (!el) {
      el = document.createElement("div");
      el.id = "m-toast";
      el.setAttribute("role", "alert");
      document.body.appendChild(el);
    }
    el.className = "toast" + (isError ? " error" : "");
    el.textContent = text;
    clearTimeout(el._t);
    el._t = setTimeout(function () { el.textContent = ""; el.className = "toast"; }, 6000);
  }
  function button(cmd, label, args, cls, confirmText) {
    return '<button type="button" class="btn ' + (cls || "") + '" data-cmd="' + cmd + '"' +
      (args ? " data-args='" + esc(JSON.stringify(args)) + "'" : "") +
      (confirmText ? ' data-confirm="' + esc(confirmText) + '"' : "") + ">" + esc(label) + "</button>";
  }
  function clock(secs) {
    var m = Math.floor(secs / 60), s = secs % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }
  function currentItem() {
    var id = state.meeting.current_item_id;
    return state.agenda.filter(function (i) { return i.id === id; })[0] || null;
  }
  function checkedIn() {
    return state.attendance.checkins.some(function (c) { return c.user.id === me.id; });
  }

  // --- rendering
  function renderState() {
    var m = state.meeting, el = $("m-state");
    if (el) { el.textContent = m.state_label; el.className = "badge " + (m.state === "open" ? "ok" : "wait"); }
  }

  function renderControls() {
    var el = $("m-controls");
    if (!el) return;
    var m = state.meeting, html = "";
    if (m.state === "scheduled") html += button("open_meeting", "宣布开会", null, "primary");
    if (m.state !== "closed") {
      html += m.checkin_open ? button("set_checkin", "关闭签到", { open: false }) : button("set_checkin", "开放签到", { open: true });
    }
    var voting = state.votes && state.votes.ballot && state.votes.ballot.state === "open";
    if (m.state === "open" && voting) {
      html += '<span class="help">表决进行中:结束表决后才能进入下一项或散会。</span>';
    } else if (m.state === "open") {
      var pending = state.agenda.some(function (i) { return i.state === "pending"; });
      if (pending) html += button("next_item", "下一项议程", null, "primary");
      html += button("close_meeting", "宣布散会", null, "danger", "确定宣布散会吗?散会后将汇总会议纪要。");
    }
    el.innerHTML = html || '<span class="empty">会议已结束。</span>';
  }

  function renderCurrent() {
    var el = $("m-current");
    if (!el) return;
    var item = currentItem(), m = state.meeting;
    if (m.state === "closed") { el.innerHTML = '<p class="empty">会议已结束。</p>'; return; }
    if (!item) {
      el.innerHTML = '<p class="empty">' + (m.state === "open" ? "会议已开始,等待主持人开始议程。" : "会议尚未开始。") + "</p>";
      return;
    }
    el.innerHTML = '<p class="item-now"><span class="item-no">第' + item.number + "项</span> " + esc(item.title) + "</p>" +
      (item.budget_minutes ? '<p class="help">时间预算 ' + item.budget_minutes + " 分钟</p>" : "");
  }

  function renderSpeaker() {
    var el = $("m-speaker"), f = state.floor;
    if (el) {
      if (f.speaker) {
        el.innerHTML = '<p class="speaker-now">现在发言:<strong class="speaker-name">' + esc(f.speaker.user.name) +
          '</strong> <span class="stance stance-' + f.speaker.stance + '">' + STANCE[f.speaker.stance] + "</span></p>" +
          '<p class="countdown" data-deadline="' + esc(f.speaker.deadline) + '" aria-hidden="true"></p>' +
          (f.speaker.extended_seconds ? '<p class="help">已延长 ' + f.speaker.extended_seconds + " 秒</p>" : "");
      } else {
        el.innerHTML = currentItem() ? '<p class="empty">现在没有人发言。</p>' : "";
      }
    }
    var ctl = $("m-floor-controls");
    if (ctl) {
      var html = "";
      if (currentItem()) {
        if (f.queue.length) html += button("give_floor", "请下一位发言", null, "primary");
        if (f.speaker) html += button("extend_speech", "延长60秒", { seconds: 60 }) + button("end_speech", "结束发言");
      }
      ctl.innerHTML = html;
    }
    tick();
  }

  function renderHand() {
    var el = $("m-hand");
    if (!el) return;
    var f = state.floor, m = state.meeting;
    if (m.state !== "open" || !currentItem()) { el.innerHTML = '<p class="empty">议程开始后可以举手发言。</p>'; return; }
    if (!checkedIn()) { el.innerHTML = '<p class="empty">请先签到(扫描会场的二维码,或请主持人代签),再举手发言。</p>'; return; }
    if (f.speaker && f.speaker.user.id === me.id) {
      el.innerHTML = '<p class="mine">轮到您发言了。</p>' + button("end_speech", "我说完了");
      return;
    }
    var mine = f.queue.filter(function (h) { return h.user.id === me.id; })[0];
    if (mine) {
      var pos = f.queue.indexOf(mine) + 1;
      el.innerHTML = '<p class="mine">您已举手(' + STANCE[mine.stance] + "),排在第 " + pos + " 位。</p>" + button("lower_hand", "放下手");
      return;
    }
    var used = f.spoken[String(me.id)] || 0, left = f.speeches_per_item - used;
    el.innerHTML = '<div class="hand-buttons">' + button("raise_hand", "举手:赞成", { stance: "for" }, "primary stance-for") +
      button("raise_hand", "举手:反对", { stance: "against" }, "primary stance-against") +
      button("raise_hand", "秩序问题", { stance: "order" }, "stance-order") + "</div>" +
      '<p class="help">本项您还可以发言 ' + Math.max(0, left) + " 次,每次 " + f.speech_limit_seconds + " 秒。</p>";
  }

  function renderQueue() {
    var el = $("m-queue");
    if (!el) return;
    var q = state.floor.queue;
    if (!q.length) { el.innerHTML = '<li class="empty">还没有人举手。</li>'; return; }
    el.innerHTML = q.map(function (h, i) {
      var ctl = "";
      if (perms.run) {
        var ids = q.map(function (x) { return x.id; });
        var up = ids.slice(), down = ids.slice();
        if (i > 0) { up.splice(i, 1); up.splice(i - 1, 0, h.id); }
        if (i < ids.length - 1) { down.splice(i, 1); down.splice(i + 1, 0, h.id); }
        ctl = '<span class="row-actions">' +
          (i > 0 ? button("reorder_queue", "上移", { order: up }, "small") : "") +
          (i < ids.length - 1 ? button("reorder_queue", "下移", { order: down }, "small") : "") +
          button("remove_hand", "移出", { speech_id: h.id }, "small danger", "确定把 " + h.user.name + " 移出发言队列吗?") + "</span>";
      }
      return '<li class="hand"><span class="who">' + esc(h.user.name) + '</span> <span class="stance stance-' + h.stance + '">' +
        STANCE[h.stance] + "</span>" + ctl + "</li>";
    }).join("");
  }

  function renderAgenda() {
    var el = $("m-agenda");
    if (!el) return;
    if (!state.agenda.length) { el.innerHTML = '<li class="empty">议程为空。</li>'; return; }
    var open = state.meeting.state !== "closed";
    el.innerHTML = state.agenda.map(function (i, n) {
      var label = { pending: "待审议", open: "审议中", done: "已审议" }[i.state];
      var ctl = "";
      if (perms.run && open && i.state === "pending") {
        ctl = '<span class="row-actions">' +
          (state.meeting.state === "open" ? button("open_item", "开始此项", { item_id: i.id }, "small") : "") +
          (n > 0 ? button("move_item", "上移", { item_id: i.id, direction: "up" }, "small") : "") +
          (n < state.agenda.length - 1 ? button("move_item", "下移", { item_id: i.id, direction: "down" }, "small") : "") +
          button("remove_item", "移出议程", { item_id: i.id }, "small danger", "确定把「" + i.title + "」移出议程吗?") + "</span>";
      }
      return '<li class="agenda-item state-' + i.state + '"' + (i.state === "open" ? ' aria-current="step"' : "") + ">" +
        '<span class="title">' + esc(i.title) + "</span> " +
        (i.proposal ? '<span class="badge">议题 #' + i.proposal.id + "</span> " : '<span class="badge">自由议程</span> ') +
        (i.budget_minutes ? '<small>' + i.budget_minutes + " 分钟</small> " : "") +
        '<span class="badge ' + (i.state === "open" ? "ok" : "") + '">' + label + "</span>" + ctl + "</li>";
    }).join("");
  }

  function renderAttendance() {
    var el = $("m-attendance");
    if (!el) return;
    var a = state.attendance;
    el.innerHTML = '<p class="quorum ' + (a.quorum_met ? "met" : "unmet") + '"><span class="big-number">' + a.present +
      "</span> / " + a.electorate + " 人签到 · 法定人数 " + a.quorum_needed + " 人 · <strong>" +
      (a.quorum_met ? "已达到法定人数" : "未达到法定人数") + "</strong></p>" +
      '<p class="checkin-state">' + (state.meeting.checkin_open ? "签到进行中" : "签到未开放") + "</p>" +
      (mode === "room" ? '<ul class="names checked-in">' + a.checkins.map(function (c) {
        return "<li>" + esc(c.user.name) + (c.method === "manual" ? "<small>(代签)</small>" : "") + "</li>";
      }).join("") + "</ul>" : "");
    var qr = $("m-qr");
    if (qr) qr.hidden = !state.meeting.checkin_open;
    var sel = $("m-manual-user");
    if (sel) {
      var done = {}, chosen = sel.value;
      a.checkins.forEach(function (c) { done[c.user.id] = true; });
      sel.innerHTML = roster.filter(function (p) { return !done[p.id]; }).map(function (p) {
        return '<option value="' + p.id + '">' + esc(p.name) + "</option>";
      }).join("");
      // A live update must not change whom the moderator has picked.
      if (chosen && !done[chosen]) sel.value = chosen;
      $("m-manual").hidden = state.meeting.state === "closed" || !sel.options.length;
    }
    var pr = $("m-presence");
    if (pr && state.presence) {
      pr.textContent = "在线 " + state.presence.online + " 人:" + state.presence.users.map(function (u) { return u.name; }).join("、");
    }
  }

  function renderMinutes() {
    var mn = state.minutes, view = $("m-minutes"), edit = $("m-minutes-edit");
    if (view) view.innerHTML = mn.html || '<p class="empty">记录员尚未开始记录。</p>';
    if (edit) {
      if (document.activeElement !== edit && edit.value !== mn.body) edit.value = mn.body;
      edit.readOnly = mn.locked;
      if (edit.dataset.version === undefined || +edit.dataset.version < mn.version) edit.dataset.version = mn.version;
    }
    var link = $("m-minutes-link");
    if (link) link.hidden = !mn.assembled;
  }

  // --- votes on the current item (docs/meetings.md, "Votes")
  var receipts = {}; // ballot id → the receipt shown once after casting here
  var RULES = { "": "本厅默认规则", for_gt_against: "赞成多于反对", half_of_cast: "超过投票数的一半",
    half_of_electorate: "超过应到人数的一半", two_thirds: "三分之二多数" };
  function ballot() { return state.votes && state.votes.ballot; }
  function countsLine(b) {
    if (!b.totals) return "";
    return b.options.map(function (o) { return o.label + " " + (b.totals[o.key] || 0); }).join(" · ");
  }
  function resultLine(b) {
    return countsLine(b) + (b.result_label ? " — " + b.result_label : "");
  }
  function voteStatus(b) {
    var html = '<p class="vote-title"><span class="badge ' + (b.state === "open" ? "ok" : "") + '">' + esc(b.state_label) +
      "</span> " + esc(b.title) + "</p>" +
      '<p class="help">' + esc(b.kind_label) + " · " + (b.secret ? "无记名" : "记名") + " · " + esc(b.majority_label) + "</p>" +
      '<p class="vote-turnout">已投票 <strong class="big-number">' + b.turnout + "</strong> / " + b.electorate +
      " 人(线上 " + b.online + (b.hand ? " · 现场举手 " + b.hand.voters : "") + ") · 到会 " + b.present + " 人</p>";
    if (b.state === "closed") {
      html += '<p class="vote-result result-' + esc(b.result) + '">' + esc(resultLine(b)) + "</p>" +
        '<p class="help">' + (b.quorum_met ? "达到法定人数" : "未达到法定人数") + ' · <a href="' + esc(b.url) + '">表决详情</a></p>';
    } else if (b.results_visible) {
      html += '<p class="vote-counts">' + esc(countsLine(b)) + "</p>";
    } else {
      html += '<p class="help">结果在表决结束后公布。</p>';
    }
    return html;
  }
  function renderVote() {
    var el = $("m-vote"), b = ballot(), m = state.meeting;
    if (!el) return;
    var item = currentItem(), html = "";
    if (!item || m.state !== "open") {
      el.innerHTML = b ? voteStatus(b) : '<p class="empty">议程开始后,主持人可以发起表决。</p>';
      var c = $("m-vote-controls");
      if (c) { c.innerHTML = ""; c.dataset.key = ""; }
      return;
    }
    html += b ? voteStatus(b) : '<p class="empty">本项议程还没有表决。</p>';
    if (mode === "room" && b && b.state === "open") {
      var mine = receipts[b.id];
      if (b.voted.indexOf(me.id) >= 0) {
        html += '<p class="mine">您已投票,投票后不能更改。' + (mine ? "回执码:<strong class=\"receipt\">" + esc(mine) + "</strong>(请记下,可在结果公布后核对)" : "") + "</p>";
      } else if (b.hand_counted.indexOf(me.id) >= 0) {
        html += '<p class="mine">您已在现场举手表决中计票。</p>';
      } else if (!checkedIn()) {
        html += '<p class="empty">请先签到,签到后才能在会场投票。</p>';
      } else {
        html += '<div class="vote-panel" role="group" aria-label="投票"><p class="warn-note"><strong>注意:投票后不能更改。</strong></p><div class="hand-buttons">' +
          b.options.map(function (o) {
            var cls = o.key === "for" ? "primary stance-for" : o.key === "against" ? "primary stance-against" : "";
            return button("ballot_cast", o.label, { choice: o.key }, cls, "确定投「" + o.label + "」吗?投票后不能更改。");
          }).join("") + "</div></div>";
      }
    }
    el.innerHTML = html;
    var ctl = $("m-vote-controls");
    if (!ctl) return;
    // Rebuild the moderator's forms only when the vote changes, not while someone types in them.
    var key = item.id + ":" + (b ? b.id + b.state : "none");
    if (ctl.dataset.key === key) {
      var ceil = $("m-hand-ceiling");
      if (ceil && b) ceil.textContent = b.hand_ceiling;
      return;
    }
    ctl.dataset.key = key;
    if (b && b.state === "open") {
      var opts = b.options.map(function (o) {
        return '<label class="field small-field">' + esc(o.label) + ' <input type="number" min="0" inputmode="numeric" name="' + esc(o.key) + '" value="' +
          ((b.hand && b.hand.votes && b.hand.votes[o.key]) || 0) + '"></label>';
      }).join("");
      ctl.innerHTML = '<form id="m-hand-count" class="hand-count"><fieldset><legend>现场举手计票(没有手机的到会人员)</legend>' + opts +
        '<p class="help">最多 <span id="m-hand-ceiling">' + b.hand_ceiling + "</span> 人(已签到且未在线投票的人;同一人不能重复计票)。</p>" +
        '<button class="btn" type="submit">录入举手计票</button></fieldset></form>' +
        '<p class="actions">' + button("ballot_close", "结束表决", null, "danger", "确定结束表决「" + b.title + "」吗?结束后立即计票。") + "</p>";
    } else {
      var rules = Object.keys(RULES).map(function (k) { return '<option value="' + k + '">' + RULES[k] + "</option>"; }).join("");
      ctl.innerHTML = '<form id="m-ballot-open" class="ballot-open"><fieldset><legend>发起表决(赞成/反对/弃权)</legend>' +
        '<label class="field">表决事项 <input name="title" maxlength="120" placeholder="' + esc(item.title) + '"></label>' +
        '<label class="check"><input type="checkbox" name="secret" checked> 无记名投票</label> ' +
        '<label class="check"><input type="checkbox" name="results_live"> 实时显示结果(仅记名)</label>' +
        '<label class="field">表决规则 <select name="majority_rule">' + rules + "</select></label>" +
        '<button class="btn primary" type="submit">开始表决</button></fieldset></form>';
    }
  }
  function renderScreenVote() {
    var el = $("m-vote-screen"), b = ballot();
    if (!el) return;
    el.hidden = !b;
    if (!b) { el.innerHTML = ""; return; }
    var big = b.state === "closed" ? resultLine(b) : b.results_visible ? countsLine(b) : "已投票 " + b.turnout + " / " + b.electorate;
    el.innerHTML = '<h2 class="vote-title">表决:' + esc(b.title) + ' <span class="badge">' + esc(b.state_label) + "</span></h2>" +
      '<p class="vote-big result-' + esc(b.result || b.state) + '">' + esc(big) + "</p>" +
      '<p class="vote-turnout">已投票 ' + b.turnout + " / " + b.electorate + " 人(线上 " + b.online +
      (b.hand ? " · 现场举手 " + b.hand.voters : "") + ")</p>";
  }

  function render() {
    renderState(); renderControls(); renderCurrent(); renderSpeaker(); renderHand();
    renderQueue(); renderAgenda(); renderAttendance(); renderMinutes(); renderVote(); renderScreenVote();
  }

  function tick() {
    document.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
      var secs = FH.secondsUntil(el.dataset.deadline, offset);
      el.textContent = secs > 0 ? clock(secs) : "时间到";
      el.classList.toggle("warn", secs <= 30);
      var key = el.dataset.deadline;
      if (secs <= 30 && secs > 0 && !warned[key] && state.floor.speaker) {
        warned[key] = true;
        say("发言剩余30秒");
      }
    });
    var cd = $("m-countdown");
    if (cd) {
      if (state.meeting.state === "scheduled") {
        var s = FH.secondsUntil(state.meeting.starts_at, offset);
        var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), mi = Math.floor((s % 3600) / 60);
        cd.textContent = s > 0 ? "距开会还有 " + (d ? d + " 天 " : "") + h + " 小时 " + mi + " 分" : "即将开始";
      } else cd.textContent = "";
    }
  }

  // --- announcements of what changed (screen readers and the big screen)
  function announce(prev, next) {
    if (prev.meeting.state !== next.meeting.state) {
      if (next.meeting.state === "open") say("会议开始");
      if (next.meeting.state === "closed") say("会议结束");
    }
    if (next.meeting.current_item_id && prev.meeting.current_item_id !== next.meeting.current_item_id) {
      var item = next.agenda.filter(function (i) { return i.id === next.meeting.current_item_id; })[0];
      if (item) say("第" + item.number + "项议程开始:" + item.title);
    }
    var pb = prev.votes && prev.votes.ballot, nb = next.votes && next.votes.ballot;
    if (nb && nb.state === "open" && (!pb || pb.id !== nb.id)) say("表决开始:" + nb.title);
    if (nb && nb.state === "closed" && (!pb || pb.id !== nb.id || pb.state !== "closed")) {
      say("表决结果:" + nb.result_label + "。" + countsLine(nb));
    }
    var ps = prev.floor.speaker, ns = next.floor.speaker;
    if (ns && (!ps || ps.id !== ns.id)) say("现在发言:" + ns.user.name);
    else if (!ns && ps) say("发言结束");
  }

  // --- commands
  function send(cmd, data) {
    if (!room) return;
    room.send(cmd, data || {}).then(function (reply) {
      if (cmd === "ballot_cast" && reply && reply.receipt && ballot()) {
        receipts[ballot().id] = reply.receipt;
        say("投票成功,回执码 " + reply.receipt);
        render();
      }
    }, function (err) {
      toast(err.message || "操作失败", true);
    });
  }

  document.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-cmd]");
    if (!b || !root.contains(b)) return;
    if (b.dataset.confirm && !window.confirm(b.dataset.confirm)) return;
    send(b.dataset.cmd, b.dataset.args ? JSON.parse(b.dataset.args) : {});
  });
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f.id === "m-ballot-open") {
      e.preventDefault();
      var title = f.elements.title.value.trim() || (currentItem() || {}).title || "";
      if (!window.confirm("确定开始表决「" + title + "」吗?开始后不能修改表决设置。")) return;
      send("ballot_open", { title: f.elements.title.value, secret: f.elements.secret.checked,
        results_live: f.elements.results_live.checked, majority_rule: f.elements.majority_rule.value });
      return;
    }
    if (f.id === "m-hand-count") {
      e.preventDefault();
      var votes = {}, voters = 0;
      Array.prototype.forEach.call(f.querySelectorAll("input[type=number]"), function (i) {
        var n = parseInt(i.value, 10) || 0;
        votes[i.name] = n; voters += n;
      });
      send("hand_count", { voters: voters, votes: votes });
      return;
    }
    f = e.target.closest("form[data-cmd]");
    if (!f) return;
    e.preventDefault();
    var data = {};
    new FormData(f).forEach(function (v, k) { data[k] = INTS.indexOf(k) >= 0 ? parseInt(v, 10) : v; });
    send(f.dataset.cmd, data);
  });

  // --- the recorder's autosave (large notes go over HTTP: websocket frames are capped at 16 KiB)
  var edit = $("m-minutes-edit"), saveTimer = null;
  function saveMinutes() {
    var status = $("m-minutes-status");
    var body = edit.value, base = +edit.dataset.version || 0;
    var done = function (data) {
      edit.dataset.version = data.version;
      if (status) status.textContent = "已自动保存(第 " + data.version + " 版)";
    };
    var fail = function (err) { if (status) status.textContent = "保存失败:" + (err.message || err.detail || ""); };
    if (status) status.textContent = "正在保存…";
    if (new Blob([body]).size < 12000 && room) {
      room.send("save_minutes", { body: body, base_version: base }).then(done, fail);
    } else {
      var token = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
      fetch("/api/v1/meetings/" + root.dataset.meeting + "/actions/save_minutes", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ body: body, base_version: base }),
      }).then(function (r) { return r.json().then(function (j) { if (r.ok) done(j); else fail(j); }); }, fail);
    }
  }
  if (edit) {
    edit.addEventListener("input", function () {
      clearTimeout(saveTimer);
      var status = $("m-minutes-status");
      if (status) status.textContent = "有改动,稍后自动保存…";
      saveTimer = setTimeout(saveMinutes, 1200);
    });
  }

  // --- connection
  setOffset(state.server_now);
  render();
  setInterval(tick, 250);
  var conn = $("m-conn");
  room = FH.connect(root.dataset.ws, {
    snapshot: function (data) {
      var prev = state;
      state = data;
      setOffset(data.server_now);
      announce(prev, state);
      render();
    },
    event: function (type, data) {
      var prev = state;
      state = applyEvent(state, type, data);
      if (data.server_now) setOffset(data.server_now);
      announce(prev, state);
      render();
    },
    status: function (s) {
      if (!conn) return;
      conn.textContent = { connecting: "连接中…", live: "实时", offline: "已断开,正在重连…", forbidden: "无权进入" }[s] || s;
      conn.className = "conn conn-" + s;
      root.dataset.conn = s;
    },
  });
  window.FHMeeting = { applyEvent: applyEvent, state: function () { return state; }, room: room };
})();
