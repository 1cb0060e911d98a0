/* The unread notification count in the header, updated live through the private room user.<id>. */
(function () {
  "use strict";
  function start() {
    var link = document.querySelector("[data-me-socket]");
    if (!link || !window.FH) return;
    var badge = link.querySelector(".notif-count");
    function show(n, latest) {
      badge.textContent = String(n);
      badge.classList.toggle("zero", !n);
      if (latest) window.FH.announce("新通知:" + latest);
    }
    window.FH.connect(link.getAttribute("data-me-socket"), {
      snapshot: function (data) { show(data.unread); },
      event: function (type, data) { if (type === "notifications.changed") show(data.unread, data.latest); },
    });
  }
  if (window.FH) start();
  else {
    var s = document.createElement("script");
    s.src = document.querySelector("[data-room-js]").getAttribute("data-room-js");
    s.onload = start;
    document.head.appendChild(s);
  }
})();
