// conserje admin: live updates without reloading. The page listens to /admin/live
// (Server-Sent Events); when something changes it fetches itself again and swaps the
// regions marked data-live, so what it shows is always the server's own escaped HTML and
// forms being typed into are left alone. Escalations can also ring and show a
// notification, when staff turn that on (stored in this browser). Plain ES2017.
(function () {
  "use strict";
  var body = document.body;
  var streamURL = body.getAttribute("data-live-stream");
  if (!streamURL || !window.EventSource || !window.fetch) return;

  var alertsKey = "conserje.admin.alerts";
  var toggle = document.getElementById("alerts-toggle");
  function alertsOn() {
    try { return window.localStorage.getItem(alertsKey) === "on"; } catch (e) { return false; }
  }
  function showToggle() {
    if (!toggle) return;
    var on = alertsOn();
    toggle.hidden = false;
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    toggle.textContent = on ? "🔔 Avisos" : "🔕 Avisos";
    toggle.title = on ? "Aviso con sonido de cada huésped que pide una persona: activado" : "Activar un aviso con sonido cuando un huésped pide una persona";
  }
  if (toggle) {
    toggle.addEventListener("click", function () {
      var on = !alertsOn();
      try { window.localStorage.setItem(alertsKey, on ? "on" : "off"); } catch (e) { /* storage blocked */ }
      if (on && window.Notification && Notification.permission === "default") Notification.requestPermission();
      showToggle();
    });
    showToggle();
  }

  function ring() {
    var AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    try {
      var ctx = new AC(), osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.frequency.value = 880; gain.gain.value = 0.15;
      osc.connect(gain); gain.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.35);
    } catch (e) { /* no audio */ }
  }

  function notify(data) {
    body.setAttribute("data-last-escalation", String(data.conversation_id || ""));
    if (!alertsOn()) return;
    ring();
    if (window.Notification && Notification.permission === "granted") {
      var n = new Notification((data.guest || "Un huésped") + " necesita una persona", { body: data.words || data.reason || "", tag: "conversation-" + data.conversation_id });
      n.onclick = function () { window.focus(); window.location.href = "/admin/conversations/" + data.conversation_id; };
    }
  }

  var timer = null;
  function refresh() {
    timer = null;
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" }).then(function (res) {
      return res.ok ? res.text() : null;
    }).then(function (html) {
      if (!html) return;
      var doc = new DOMParser().parseFromString(html, "text/html");
      var typing = document.activeElement;
      document.querySelectorAll("[data-live]").forEach(function (el) {
        // A form staff are typing into stays as it is until they leave it.
        if (typing && typing !== body && el.contains(typing) && /INPUT|TEXTAREA|SELECT/.test(typing.tagName)) {
          typing.addEventListener("blur", schedule, { once: true });
          return;
        }
        var fresh = doc.querySelector('[data-live="' + el.getAttribute("data-live") + '"]');
        if (fresh) el.replaceWith(document.importNode(fresh, true));
      });
      body.setAttribute("data-live-refreshed", String(Date.now()));
    }).catch(function () { /* the next change retries */ });
  }
  function schedule() {
    if (!timer && document.querySelector("[data-live]")) timer = window.setTimeout(refresh, 150);
  }

  var es = new EventSource(streamURL);
  es.addEventListener("open", function () { body.setAttribute("data-live-state", "open"); });
  es.addEventListener("error", function () { body.setAttribute("data-live-state", "reconnecting"); });
  ["message", "conversation", "hold", "payment", "reservation", "conflict", "feed"].forEach(function (type) {
    es.addEventListener(type, schedule);
  });
  es.addEventListener("escalation", function (ev) {
    var data = {};
    try { data = JSON.parse(ev.data); } catch (e) { /* keep {} */ }
    notify(data);
    schedule();
  });
})();
