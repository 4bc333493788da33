// Chat widget for the portal page: talks to the Rasa server's REST channel. Bot text is inserted
// with textContent only, so nothing a message contains can run as HTML or script.
(function () {
  "use strict";
  var root = document.getElementById("chat-widget");
  if (!root) { return; }
  var rasaUrl = (root.getAttribute("data-rasa-url") || "http://localhost:5005").replace(/\/$/, "");
  // The services process serves this page; a civil servant's replies during a handoff are fetched from it.
  var servicesUrl = (root.getAttribute("data-services-url") || window.location.origin).replace(/\/$/, "");
  var lastStaffMessage = 0;
  var staffPolling = null;
  var senderKey = "citizenbot-sender";
  var sender = window.localStorage.getItem(senderKey);
  // The id is the only secret guarding the conversation's staff messages: 128 bits from the browser's
  // cryptographic generator, never Math.random. An id stored by an older widget is replaced.
  if (!sender || !/^web-[0-9a-f]{32}$/.test(sender)) {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    sender = "web-" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
    window.localStorage.setItem(senderKey, sender);
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  var toggle = el("button", "cw-toggle", "💬");
  toggle.setAttribute("aria-label", "Mở trợ lý ảo");
  var panel = el("section", "cw-panel");
  panel.hidden = true;
  panel.setAttribute("aria-label", "Trợ lý ảo dịch vụ công");
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

  function scroll() { log.scrollTop = log.scrollHeight; }

  function fetchStaffMessages() {
    fetch(servicesUrl + "/api/conversations/" + encodeURIComponent(sender) + "/staff-messages?after=" +
          lastStaffMessage)
      .then(function (res) { return res.ok ? res.json() : []; })
      .then(function (messages) {
        (messages || []).forEach(function (message) {
          lastStaffMessage = Math.max(lastStaffMessage, message.id);
          log.appendChild(el("div", "cw-msg cw-bot cw-staff", "Cán bộ: " + message.text));
        });
        if (messages && messages.length) { scroll(); }
      })
      .catch(function () { /* the next poll tries again */ });
  }

  function showBot(message) {
    if (message.custom && message.custom.handoff && !staffPolling) {
      staffPolling = window.setInterval(fetchStaffMessages, 3000);
    }
    if (message.text) { log.appendChild(el("div", "cw-msg cw-bot", message.text)); }
    if (message.buttons && message.buttons.length) {
      var row = el("div", "cw-buttons");
      message.buttons.forEach(function (button) {
        var b = el("button", null, button.title);
        b.type = "button";
        b.addEventListener("click", function () { post(button.payload, button.title); });
        row.appendChild(b);
      });
      log.appendChild(row);
    }
    scroll();
  }

  function post(text, shown) {
    log.appendChild(el("div", "cw-msg cw-user", shown || text));
    scroll();
    return fetch(rasaUrl + "/webhooks/rest/webhook", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: sender, message: text })
    }).then(function (res) {
      return res.json().then(function (body) {
        if (res.ok) { (body || []).forEach(showBot); return; }
        log.appendChild(el("div", "cw-msg cw-error", (body && body.error) || ("Lỗi " + res.status)));
        scroll();
      });
    }).catch(function () {
      log.appendChild(el("div", "cw-msg cw-error",
        "Không kết nối được với trợ lý ảo. Anh/chị vui lòng thử lại sau ít phút."));
      scroll();
    });
  }

  toggle.addEventListener("click", function () {
    panel.hidden = !panel.hidden;
    if (!panel.hidden) {
      input.focus();
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
})();
