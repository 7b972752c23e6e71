// conserje web chat: posts each message to /api/v1/chat and shows the replies. Every text
// goes into the page as text nodes (textContent), never parsed as markup, so nothing a guest
// or the bot writes can run in the page. No build step: plain ES2017.
(function () {
  "use strict";
  var main = document.querySelector(".chat");
  var log = document.getElementById("log");
  var quick = document.getElementById("quick");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");
  var send = document.getElementById("send");
  var status = document.getElementById("status");
  var storeKey = "conserje.chat.conversation";
  var conversationId = "";
  try { conversationId = window.localStorage.getItem(storeKey) || ""; } catch (e) { /* storage blocked in some iframes */ }

  var urlPattern = /(https?:\/\/[^\s<>"']+)/g;

  // Random hex ids: the conversation's (wc_ + 24 hex, as the server makes them) is chosen
  // here so that even the first message can be retried safely, and each message has its
  // own id: a retry with it gets the stored replies, never a second answer.
  function randomHex(bytes) {
    var b = new Uint8Array(bytes);
    window.crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }
  if (!/^wc_[0-9a-f]{24}$/.test(conversationId)) conversationId = "wc_" + randomHex(12);

  // post sends one message, retrying (same message id) while the server is unavailable
  // (503, Retry-After) or the network fails, a few times.
  function post(payload, attempt) {
    return fetch("/api/v1/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload)
    }).then(function (res) {
      if (res.status === 503 && attempt < 3) {
        var wait = Math.min(parseInt(res.headers.get("Retry-After") || "2", 10) || 2, 10);
        return new Promise(function (r) { setTimeout(r, wait * 1000); }).then(function () { return post(payload, attempt + 1); });
      }
      return res.json().then(function (body) { return { ok: res.ok, body: body }; });
    }, function (err) {
      if (attempt >= 3) throw err;
      return new Promise(function (r) { setTimeout(r, 2000); }).then(function () { return post(payload, attempt + 1); });
    });
  }

  function appendText(p, text) {
    // Links become <a> elements built node by node; the rest stays plain text.
    var last = 0, m;
    urlPattern.lastIndex = 0;
    while ((m = urlPattern.exec(text)) !== null) {
      if (m.index > last) p.appendChild(document.createTextNode(text.slice(last, m.index)));
      var a = document.createElement("a");
      a.href = m[1];
      a.textContent = m[1];
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      p.appendChild(a);
      last = m.index + m[1].length;
    }
    if (last < text.length) p.appendChild(document.createTextNode(text.slice(last)));
  }

  function add(kind, text) {
    var li = document.createElement("li");
    li.className = "msg " + kind;
    var p = document.createElement("p");
    if (kind.indexOf("bot") === 0) appendText(p, text); else p.textContent = text;
    li.appendChild(p);
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
  }

  function showButtons(buttons) {
    quick.textContent = "";
    (buttons || []).forEach(function (b) {
      var btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = b.title;
      btn.addEventListener("click", function () { submit(b.title); });
      quick.appendChild(btn);
    });
  }

  function busy(on) {
    send.disabled = on;
    input.setAttribute("aria-busy", on ? "true" : "false");
    status.textContent = on ? main.getAttribute("data-busy") : "";
  }

  function submit(text) {
    text = (text || "").trim();
    if (!text || send.disabled) return;
    add("guest", text);
    showButtons([]);
    input.value = "";
    busy(true);
    post({ conversation_id: conversationId, message_id: randomHex(12), text: text }, 0).then(function (r) {
      if (!r.ok) throw new Error((r.body && r.body.error && r.body.error.message) || "error");
      conversationId = r.body.conversation_id;
      try { window.localStorage.setItem(storeKey, conversationId); } catch (e) { /* ignore */ }
      var replies = r.body.replies || [];
      replies.forEach(function (rep) { add("bot", rep.text); });
      showButtons(replies.length ? replies[replies.length - 1].buttons : []);
    }).catch(function () {
      add("error", main.getAttribute("data-error"));
    }).then(function () {
      busy(false);
      input.focus();
    });
  }

  // Messages that arrive later (a staff reply, the payment's confirmation) are collected by
  // polling while the page is visible; each is handed over once.
  var pollMs = 3000;
  function poll() {
    if (!conversationId || send.disabled || document.visibilityState === "hidden") return;
    fetch("/api/v1/chat/updates?conversation_id=" + encodeURIComponent(conversationId), {
      headers: { "Accept": "application/json" }, cache: "no-store"
    }).then(function (res) {
      return res.ok ? res.json() : { replies: [] };
    }).then(function (body) {
      var replies = (body && body.replies) || [];
      replies.forEach(function (rep) { add(rep.staff ? "bot staff" : "bot", rep.text); });
      if (replies.length) showButtons(replies[replies.length - 1].buttons);
    }).catch(function () { /* offline for a moment: the next poll retries */ });
  }
  window.setInterval(poll, pollMs);
  document.addEventListener("visibilitychange", poll);

  form.addEventListener("submit", function (ev) { ev.preventDefault(); submit(input.value); });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); submit(input.value); }
  });
})();
