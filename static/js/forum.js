/* A proposal's page, live: comments，认同，seconds and history arrive through room proposal.<id>. */
import { gettext } from "./i18n.js";
import { announce, connect } from "./room.js";
import { setTime } from "./time.js";

(function () {
  "use strict";
  // Confirmation before destructive actions: static/js/page.js (every page).
  var root = document.querySelector("[data-proposal]");
  if (!root) return;
  var i18n = document.getElementById("forum-i18n").dataset;
  var labelsEl = document.getElementById("forum-labels");
  var labels = labelsEl ? JSON.parse(labelsEl.textContent) : { state: {}, stance: {} };
  var thread = document.getElementById("thread");
  var form = document.getElementById("comment-form");
  var statusEl = document.getElementById("live-status");
  var myAgreed = {};
  var room = null, live = false, ready = false;


  function setReply(id, name) {
    if (!form) return;
    form.elements.parent.value = id || "";
    var box = form.querySelector(".replying");
    box.hidden = !id;
    form.querySelector(".reply-name").textContent = name || "";
    form.querySelector(".stance-choice").hidden = !!id;
    if (id) form.elements.body.focus();
  }
  if (form) form.querySelector(".cancel-reply").addEventListener("click", function () { setReply(null); });

  thread.addEventListener("click", function (ev) {
    var btn = ev.target.closest("button");
    if (!btn) return;
    var art = btn.closest("article.comment");
    if (btn.classList.contains("reply")) {
      setReply(art.dataset.id, art.querySelector(".who").textContent);
    } else if (btn.classList.contains("agree") && live) {
      ev.preventDefault();
      var id = parseInt(art.dataset.id, 10);
      room.send("react", { comment_id: id, agree: !myAgreed[id] }).then(function (d) {
        myAgreed[id] = d.agree;
        paintAgree(art, d.agree_count);
      }, function (err) { window.alert(err.message); });
    }
  });

  function paintAgree(art, count) {
    var id = art.dataset.id, btn = art.querySelector(".agree");
    art.querySelectorAll(":scope > footer .n, :scope > footer .agree-static .n").forEach(function (n) { n.textContent = count; });
    if (btn) {
      btn.setAttribute("aria-pressed", myAgreed[id] ? "true" : "false");
      var hidden = btn.form && btn.form.elements.agree;
      if (hidden) hidden.value = myAgreed[id] ? "0" : "1";
    }
  }

  function upsertComment(c, isNew) {
    var art = document.getElementById("c" + c.id);
    if (!art) {
      art = document.getElementById("comment-tpl").content.firstElementChild.cloneNode(true);
      art.id = "c" + c.id;
      art.dataset.id = c.id;
      art.dataset.depth = c.depth;
      art.dataset.author = c.author.id;
      art.classList.add("depth-" + c.depth);
      var mine = String(c.author.id) === root.dataset.me;
      if (mine) { var a = art.querySelector(".agree"); if (a) a.remove(); }
      var parent = c.parent_id && document.getElementById("c" + c.parent_id);
      (parent ? parent.querySelector(":scope > .replies") : thread).appendChild(art);
      document.getElementById("thread-empty").hidden = true;
      if (isNew) {
        art.classList.add("fresh");
        announce(i18n["new"] + ":" + c.author.name);
      }
    }
    art.querySelector(".who").textContent = c.author.name;
    // a stance pill only where the comment took a stance (no empty pill on a plain reply)
    var st = art.querySelector(":scope > header .stance");
    if (c.stance) {
      if (!st) {
        st = document.createElement("span");
        art.querySelector(".who").after(" ", st);
      }
      st.textContent = labels.stance[c.stance] || c.stance_label;
      st.className = "badge stance stance-" + c.stance;
    } else if (st) {
      st.remove();
    }
    var t = art.querySelector("time");
    if (!t.getAttribute("datetime")) setTime(t, c.created_at);
    art.querySelector(".edited").hidden = !c.edited;
    var body = art.querySelector(":scope > .comment-body");
    var gone = c.is_deleted ? i18n.deleted : c.moderation === "hidden" ? i18n.hidden : c.moderation === "removed" ? i18n.removed : null;
    if (gone) {
      body.innerHTML = "";
      var p = document.createElement("p"); p.className = "gone"; p.textContent = gone; body.appendChild(p);
      var foot = art.querySelector(":scope > footer"); if (foot) foot.hidden = true;
    } else if (body.dataset.html !== c.html) {
      body.innerHTML = c.html;  // rendered and sanitised (nh3) on the server
      body.dataset.html = c.html;
    }
    paintAgree(art, c.agree_count);
  }

  function showProposal(p) {
    var badge = document.getElementById("state-badge");
    badge.textContent = labels.state[p.state] || p.state_label;
    badge.className = "badge state state-" + p.state;
    document.getElementById("second-count").textContent = p.second_count;
    document.getElementById("comment-count").textContent = p.comment_count;
    Object.keys(p.stance_counts).forEach(function (k) {
      var el = document.querySelector('#stance-counts [data-stance="' + k + '"]');
      if (el) el.textContent = p.stance_counts[k];
    });
  }

  function addHistory(e) {
    var list = document.getElementById("history");
    if (list.querySelector('[data-id="' + e.id + '"]')) return;
    var li = document.createElement("li");
    li.dataset.id = e.id;
    var b = document.createElement("span"); b.className = "badge state state-" + e.to_state; b.textContent = labels.state[e.to_state] || e.to_label;
    var t = setTime(document.createElement("time"), e.at);
    var w = document.createElement("span"); w.className = "who"; w.textContent = e.actor || gettext("系统");
    li.append(b, " ", t, " ", w);
    if (e.note) { var n = document.createElement("span"); n.className = "note"; n.textContent = e.note; li.append(n); }
    list.appendChild(li);
    announce(labels.state[e.to_state] || e.to_label);
  }

  if (form) form.addEventListener("submit", function (ev) {
    if (!live) return;  // without the socket the form posts normally
    ev.preventDefault();
    var err = document.getElementById("comment-error");
    var data = { body: form.elements.body.value, stance: form.elements.stance ? form.elements.stance.value : "" };
    if (form.elements.parent.value) data.parent_id = parseInt(form.elements.parent.value, 10);
    var btn = form.querySelector("button[type=submit]");
    btn.disabled = true;
    room.send("comment", data).then(function () {
      form.elements.body.value = "";
      err.hidden = true;
      setReply(null);
    }, function (e) {
      err.textContent = e.message; err.hidden = false;
    }).then(function () { btn.disabled = false; });
  });

  var path = root.dataset.socket;
  if (!path) return;
  room = connect(path, {
    snapshot: function (data) {
      myAgreed = {};
      data.my_agreed.forEach(function (id) { myAgreed[id] = true; });
      data.comments.forEach(function (c) { upsertComment(c, false); });
      data.history.forEach(function (e) { if (!document.querySelector('#history [data-id="' + e.id + '"]')) addHistory(e); });
      showProposal(data.proposal);
      ready = true;
    },
    event: function (type, data) {
      if (type === "comment.added") upsertComment(data.comment, ready);
      else if (type === "comment.changed") upsertComment(data.comment, false);
      else if (type === "proposal.changed") showProposal(data.proposal);
      else if (type === "history.added") addHistory(data.event);
    },
    status: function (s) {
      live = s === "live";
      statusEl.textContent =
        s === "live" ? i18n.live : s === "offline" ? i18n.offline : s === "unstable" ? gettext("连接不稳定") : statusEl.textContent;
      statusEl.dataset.state = s;
    },
  });
})();
