// Chat widget for a portal page: talks to the Rasa server's REST channel. Every text (bot, citizen, staff,
// and anything read back from storage) is inserted with textContent only, so nothing a message contains can
// run as HTML or script. No inline handlers or styles: the page can run under a strict Content-Security-Policy.
//
// Embedding (one tag; the stylesheet next to this file is added automatically):
//   <script src="https://services.example.gov.vn/static/widget.js" defer
//           data-rasa-url="https://rasa.example.gov.vn" data-services-url="https://services.example.gov.vn"></script>
// Configuration is read from the script tag's data attributes, then from #chat-widget's (the demo page's
// older form), then defaults: Rasa on http://localhost:5005, the services process on the script's own origin.
(function () {
  "use strict";
  // Only valid while this file first runs, so taken now (a deferred or async classic script has it too).
  var script = document.currentScript || document.querySelector("script[src$='widget.js']");

  function setting(name) {
    var value = script && script.getAttribute(name);
    if (!value) {
      var host = document.getElementById("chat-widget");
      value = host && host.getAttribute(name);
    }
    return value ? value.trim().replace(/\/+$/, "") : "";
  }

  function scriptOrigin() {
    try { return new URL(script.src, window.location.href).origin; } catch (error) { return ""; }
  }

  function storageGet(store, key) {
    try { return window[store].getItem(key); } catch (error) { return null; }
  }

  function storageSet(store, key, value) {
    try { window[store].setItem(key, value); } catch (error) { /* storage full or blocked: keep going */ }
  }

  function storageRemove(store, key) {
    try { window[store].removeItem(key); } catch (error) { /* blocked: nothing kept anyway */ }
  }

  function addStylesheet() {
    if (!script || !script.src) { return; }
    var links = document.querySelectorAll("link[rel~='stylesheet']");
    for (var i = 0; i < links.length; i++) {
      if (/widget\.css(\?|#|$)/.test(links[i].getAttribute("href") || "")) { return; }
    }
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = new URL("widget.css", script.src).href;
    document.head.appendChild(link);
  }

  function start() {
    var rasaUrl = setting("data-rasa-url") || "http://localhost:5005";
    // A civil servant's replies during a handoff are fetched from the services process.
    var servicesUrl = setting("data-services-url") || scriptOrigin() || window.location.origin;
    var root = document.getElementById("chat-widget");
    if (!root) {
      root = document.createElement("div");
      root.id = "chat-widget";
      document.body.appendChild(root);
    }
    addStylesheet();

    var senderKey = "citizenbot-sender";
    // Kept in this tab only, like the history below: on a shared computer at a one-stop office, the next
    // citizen must not continue the previous one's conversation or read their civil servant's replies.
    var sender = storageGet("sessionStorage", senderKey);
    // The id is the only secret guarding the conversation's staff messages: 128 bits from the browser's
    // cryptographic generator, never Math.random. An id stored by an older widget is replaced.
    if (!sender || !/^web-[0-9a-f]{32}$/.test(sender)) {
      var bytes = new Uint8Array(16);
      window.crypto.getRandomValues(bytes);
      sender = "web-" + Array.prototype.map.call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      }).join("");
      storageSet("sessionStorage", senderKey, sender);
    }

    // The conversation shown so far, kept in this tab only (sessionStorage: it survives a reload, not a
    // closed tab — a shared computer at a one-stop office must not show the previous citizen's questions).
    var historyKey = "citizenbot-history";
    var MAX_KEPT = 100;
    var MAX_TEXT = 20000;
    var state = loadHistory();

    function emptyHistory() {
      return { v: 1, sender: sender, open: false, handoff: false, after: 0, messages: [] };
    }

    function isText(value) { return typeof value === "string" && value.length <= MAX_TEXT; }

    function validEntry(entry) {
      if (!entry || typeof entry !== "object") { return false; }
      if (["user", "bot", "staff"].indexOf(entry.k) < 0 || !isText(entry.t)) { return false; }
      if (entry.b === undefined) { return true; }
      return entry.k === "bot" && Array.isArray(entry.b) && entry.b.length <= 20 && entry.b.every(function (b) {
        return b && typeof b === "object" && isText(b.t) && isText(b.p);
      });
    }

    // Anything unexpected (not JSON, another shape, another conversation) starts a fresh history.
    function loadHistory() {
      var raw = storageGet("sessionStorage", historyKey);
      if (!raw) { return emptyHistory(); }
      var kept;
      try { kept = JSON.parse(raw); } catch (error) { kept = null; }
      var ok = kept && typeof kept === "object" && kept.v === 1 && kept.sender === sender &&
        typeof kept.open === "boolean" && typeof kept.handoff === "boolean" &&
        Number.isSafeInteger(kept.after) && kept.after >= 0 &&
        Array.isArray(kept.messages) && kept.messages.every(validEntry);
      if (!ok) {
        storageRemove("sessionStorage", historyKey);
        return emptyHistory();
      }
      kept.messages = kept.messages.slice(-MAX_KEPT);
      return kept;
    }

    function saveHistory() {
      state.messages = state.messages.slice(-MAX_KEPT);
      storageSet("sessionStorage", historyKey, JSON.stringify(state));
    }

    function remember(entry) {
      state.messages.push(entry);
      saveHistory();
    }

    function el(tag, cls, text) {
      var node = document.createElement(tag);
      if (cls) { node.className = cls; }
      if (text !== undefined) { node.textContent = text; }
      return node;
    }

    // A speech bubble, drawn inline (no emoji, no external file); the button's aria-label names it.
    function bubbleIcon() {
      var ns = "http://www.w3.org/2000/svg";
      var svg = document.createElementNS(ns, "svg");
      svg.setAttribute("class", "cw-icon");
      svg.setAttribute("viewBox", "0 0 24 24");
      svg.setAttribute("width", "28");
      svg.setAttribute("height", "28");
      svg.setAttribute("aria-hidden", "true");
      svg.setAttribute("focusable", "false");
      var bubble = document.createElementNS(ns, "path");
      bubble.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9.5L5 21.6V18H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z");
      bubble.setAttribute("fill", "currentColor");
      svg.appendChild(bubble);
      [7.5, 12, 16.5].forEach(function (x) {
        var dot = document.createElementNS(ns, "circle");
        dot.setAttribute("cx", String(x));
        dot.setAttribute("cy", "10.5");
        dot.setAttribute("r", "1.5");
        dot.setAttribute("class", "cw-icon-dot");
        svg.appendChild(dot);
      });
      return svg;
    }

    var toggle = el("button", "cw-toggle");
    toggle.type = "button";
    toggle.appendChild(bubbleIcon());
    var panel = el("section", "cw-panel");
    panel.id = "cw-panel";
    panel.hidden = true;
    panel.setAttribute("aria-label", "Trợ lý ảo dịch vụ công");
    toggle.setAttribute("aria-controls", panel.id);
    var title = el("div", "cw-title", "Trợ lý ảo dịch vụ công");
    var log = el("div", "cw-log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    var form = el("form", "cw-form");
    var input = el("input");
    input.type = "text";
    input.maxLength = 2000;
    input.placeholder = "Nhập câu hỏi, ví dụ: làm căn cước cần giấy tờ gì?";
    input.setAttribute("aria-label", "Câu hỏi");
    var send = el("button", null, "Gửi");
    send.type = "submit";
    form.appendChild(input);
    form.appendChild(send);
    panel.appendChild(title);
    panel.appendChild(log);
    panel.appendChild(form);
    root.appendChild(panel);
    root.appendChild(toggle);

    var staffPolling = null;

    function scroll() { log.scrollTop = log.scrollHeight; }

    function setOpen(open) {
      panel.hidden = !open;
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      toggle.setAttribute("aria-label", open ? "Đóng trợ lý ảo" : "Mở trợ lý ảo — hỏi đáp thủ tục hành chính");
      if (state.open !== open) {
        state.open = open;
        saveHistory();
      }
    }

    function showUser(text) { log.appendChild(el("div", "cw-msg cw-user", text)); }

    function showStaff(text) { log.appendChild(el("div", "cw-msg cw-bot cw-staff", "Cán bộ: " + text)); }

    function showBotEntry(entry) {
      if (entry.t) { log.appendChild(el("div", "cw-msg cw-bot", entry.t)); }
      if (entry.b && entry.b.length) {
        var row = el("div", "cw-buttons");
        entry.b.forEach(function (button) {
          var b = el("button", null, button.t);
          b.type = "button";
          b.addEventListener("click", function () { post(button.p, button.t); });
          row.appendChild(b);
        });
        log.appendChild(row);
      }
    }

    function startStaffPolling() {
      if (!staffPolling) { staffPolling = window.setInterval(fetchStaffMessages, 3000); }
    }

    function fetchStaffMessages() {
      fetch(servicesUrl + "/api/conversations/" + encodeURIComponent(sender) + "/staff-messages?after=" +
            state.after)
        .then(function (res) { return res.ok ? res.json() : []; })
        .then(function (messages) {
          var shown = 0;
          (Array.isArray(messages) ? messages : []).forEach(function (message) {
            if (!message || !Number.isSafeInteger(message.id) || message.id <= state.after) { return; }
            var text = String(message.text).slice(0, MAX_TEXT);
            state.after = message.id;
            state.messages.push({ k: "staff", t: text });
            showStaff(text);
            shown++;
          });
          if (shown) {
            saveHistory();
            scroll();
          }
        })
        .catch(function () { /* the next poll tries again */ });
    }

    function showBot(message) {
      if (message.custom && message.custom.handoff) {
        if (!state.handoff) {
          state.handoff = true;
          saveHistory();
        }
        startStaffPolling();
      }
      var entry = { k: "bot", t: typeof message.text === "string" ? message.text.slice(0, MAX_TEXT) : "" };
      if (Array.isArray(message.buttons) && message.buttons.length) {
        entry.b = message.buttons.slice(0, 20).map(function (button) {
          return { t: String(button.title || "").slice(0, MAX_TEXT), p: String(button.payload || "").slice(0, MAX_TEXT) };
        });
      }
      if (!entry.t && !entry.b) { return; }
      remember(entry);
      showBotEntry(entry);
      scroll();
    }

    function showError(text) {
      // Not kept: a failed connection is of no use after a reload.
      log.appendChild(el("div", "cw-msg cw-error", text));
      scroll();
    }

    function post(text, shown) {
      var visible = (shown || text).slice(0, MAX_TEXT);
      remember({ k: "user", t: visible });
      showUser(visible);
      scroll();
      return fetch(rasaUrl + "/webhooks/rest/webhook", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: sender, message: text })
      }).then(function (res) {
        return res.json().then(function (body) {
          if (res.ok) { (Array.isArray(body) ? body : []).forEach(showBot); return; }
          showError((body && typeof body.error === "string" && body.error) || ("Lỗi " + res.status));
        });
      }).catch(function () {
        showError("Không kết nối được với trợ lý ảo. Anh/chị vui lòng thử lại sau ít phút.");
      });
    }

    // What this tab showed before a reload, drawn again (as text), its buttons working as before.
    state.messages.forEach(function (entry) {
      if (entry.k === "user") { showUser(entry.t); } else if (entry.k === "staff") { showStaff(entry.t); } else {
        showBotEntry(entry);
      }
    });
    saveHistory();
    setOpen(state.open);
    if (state.open) { scroll(); }
    if (state.handoff) {
      startStaffPolling();
      fetchStaffMessages();
    }

    toggle.addEventListener("click", function () {
      setOpen(panel.hidden);
      if (!panel.hidden) {
        input.focus();
        scroll();
        if (!log.childNodes.length) { post("/greet", "Xin chào"); }
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) { return; }
      input.value = "";
      post(text);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
