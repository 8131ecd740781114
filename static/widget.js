/*
 * Kept chat widget. One tag on any page:
 *
 *   <script src="https://kept.example/static/widget.js" async
 *           data-title="Chat with us" data-lang="ja" data-color="#0b6e4f" data-position="right"></script>
 *
 * Everything lives in a Shadow DOM, so the page's styles cannot reach in and ours cannot leak out.
 * The Socket.IO client is loaded from the same origin as this file. Protocol: README, "Chat widget".
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.KeptChat) return;

  var data = script.dataset;
  var SERVER = (data.server || new URL(script.src, location.href).origin).replace(/\/$/, "");
  var STATIC = new URL(".", new URL(script.src, location.href)).href;
  var TOKEN_KEY = "kept-chat:" + SERVER + ":token";
  var QUEUE_KEY = "kept-chat:" + SERVER + ":queue";
  var ACK_TIMEOUT = 10000;

  var TEXTS = {
    en: {
      launcher: "Chat with us", open: "Open chat", close: "Close chat", title: "Chat with us",
      intro: "Ask us anything. We'll tell you straight away how long the wait is.",
      label: "Message", placeholder: "Type your message…", send: "Send",
      queued: "Queued", sent: "Sent", delivered: "Delivered", failed: "Not sent", you: "You", team: "Support",
      typing: "{name} is typing…",
      wait: "You're {place} in line — a reply in about {wait}.",
      lessThanMinute: "less than a minute",
      minute: "{n} minute", minutes: "{n} minutes", hour: "{n} hour", hours: "{n} hours",
      noAgents: "No one is available to chat right now.",
      closed: "We're closed right now. We open again {when} (your time).",
      closedSoon: "We're closed right now.",
      askEmail: "Leave your email address and we'll answer there if you go.",
      nameLabel: "Name (optional)", emailLabel: "Email address", save: "Save",
      saved: "Thanks — if you leave, we'll answer at {email}.",
      offline: "You're offline. Your messages will be sent when the connection is back.",
      reconnecting: "Reconnecting…",
      rateLimited: "You're sending messages too quickly. Please wait {seconds} seconds.",
      tooLong: "That message is too long: at most {limit} characters.",
      invalidEmail: "That email address doesn't look right.",
      refused: "The chat is not available on this site.",
      answered: "You're chatting with {name}.",
      unread: "New message"
    },
    ja: {
      launcher: "チャットで相談", open: "チャットを開く", close: "チャットを閉じる", title: "チャットで相談",
      intro: "お気軽にご質問ください。お待ちいただく時間をすぐにお知らせします。",
      label: "メッセージ", placeholder: "メッセージを入力…", send: "送信",
      queued: "送信待ち", sent: "送信済み", delivered: "配信済み", failed: "未送信", you: "あなた", team: "サポート",
      typing: "{name}が入力中…",
      wait: "現在{place}にお待ちいただいています。約{wait}で返信します。",
      lessThanMinute: "1分以内",
      minute: "{n}分", minutes: "{n}分", hour: "{n}時間", hours: "{n}時間",
      noAgents: "ただいま対応できる担当者がいません。",
      closed: "ただいま営業時間外です。次の営業開始は{when}（お客様の時間）です。",
      closedSoon: "ただいま営業時間外です。",
      askEmail: "メールアドレスを残していただければ、ページを離れてもメールで返信します。",
      nameLabel: "お名前（任意）", emailLabel: "メールアドレス", save: "保存",
      saved: "ありがとうございます。ページを離れた場合は {email} に返信します。",
      offline: "オフラインです。接続が戻ったらメッセージを送信します。",
      reconnecting: "再接続中…",
      rateLimited: "送信が早すぎます。{seconds}秒お待ちください。",
      tooLong: "メッセージが長すぎます（最大{limit}文字）。",
      invalidEmail: "メールアドレスの形式が正しくないようです。",
      refused: "このサイトではチャットを利用できません。",
      answered: "{name}が対応しています。",
      unread: "新しいメッセージ"
    },
    ko: {
      launcher: "채팅 상담", open: "채팅 열기", close: "채팅 닫기", title: "채팅 상담",
      intro: "무엇이든 물어보세요. 대기 시간을 바로 알려 드립니다.",
      label: "메시지", placeholder: "메시지를 입력하세요…", send: "보내기",
      queued: "대기 중", sent: "보냄", delivered: "전달됨", failed: "보내지 못함", you: "나", team: "고객지원",
      typing: "{name} 님이 입력 중…",
      wait: "현재 대기 순서는 {place}입니다. 약 {wait} 후 답변드립니다.",
      lessThanMinute: "1분 이내",
      minute: "{n}분", minutes: "{n}분", hour: "{n}시간", hours: "{n}시간",
      noAgents: "지금은 상담 가능한 담당자가 없습니다.",
      closed: "지금은 운영 시간이 아닙니다. 다음 운영 시작은 {when}(고객님 시간)입니다.",
      closedSoon: "지금은 운영 시간이 아닙니다.",
      askEmail: "이메일 주소를 남겨 주시면 페이지를 떠나셔도 이메일로 답변드립니다.",
      nameLabel: "이름(선택)", emailLabel: "이메일 주소", save: "저장",
      saved: "감사합니다. 페이지를 떠나시면 {email}(으)로 답변드립니다.",
      offline: "오프라인 상태입니다. 연결되면 메시지를 보냅니다.",
      reconnecting: "다시 연결하는 중…",
      rateLimited: "메시지를 너무 빨리 보내고 있습니다. {seconds}초 후에 다시 시도해 주세요.",
      tooLong: "메시지가 너무 깁니다(최대 {limit}자).",
      invalidEmail: "이메일 주소 형식이 올바르지 않습니다.",
      refused: "이 사이트에서는 채팅을 사용할 수 없습니다.",
      answered: "{name} 님이 상담 중입니다.",
      unread: "새 메시지"
    }
  };

  function pickLanguage() {
    var wanted = [data.lang, document.documentElement.lang].concat(navigator.languages || [navigator.language]);
    for (var i = 0; i < wanted.length; i++) {
      var base = String(wanted[i] || "").toLowerCase().split(/[-_]/)[0];
      if (TEXTS[base]) return base;
    }
    return "en";
  }

  var LANG = pickLanguage();
  var T = TEXTS[LANG];
  var TZ = (function () {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || null; } catch (e) { return null; }
  })();

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key] == null ? "" : values[key]; });
  }

  function place(n) {
    if (LANG === "ja") return n + "番目";
    if (LANG === "ko") return n + "번째";
    var suffix = { one: "st", two: "nd", few: "rd", other: "th" }[new Intl.PluralRules("en", { type: "ordinal" }).select(n)];
    return n + suffix;
  }

  function duration(seconds) {
    if (seconds < 60) return T.lessThanMinute;
    var minutes = Math.round(seconds / 60);
    if (minutes < 90) return fill(minutes === 1 ? T.minute : T.minutes, { n: minutes });
    var hours = Math.round(minutes / 60);
    return fill(hours === 1 ? T.hour : T.hours, { n: hours });
  }

  function openingTime(iso) {
    var options = { weekday: "long", hour: "numeric", minute: "2-digit", timeZoneName: "short" };
    if (TZ) options.timeZone = TZ;
    return new Intl.DateTimeFormat(LANG, options).format(new Date(iso));
  }

  function randomId() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function load(key, fallback) {
    try { var raw = localStorage.getItem(key); return raw ? JSON.parse(raw) : fallback; } catch (e) { return fallback; }
  }

  function save(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode: this tab only */ }
  }

  // --- the DOM, inside a shadow root ------------------------------------------------------------

  var host = document.createElement("kept-chat-widget");
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    '<link rel="stylesheet" href="' + STATIC + 'widget.css">' +
    '<div class="kc" hidden>' +
    '  <section class="kc-panel" id="kc-panel" role="dialog" aria-modal="false" aria-labelledby="kc-title" hidden>' +
    '    <header class="kc-header">' +
    '      <h2 class="kc-title" id="kc-title"></h2>' +
    '      <button type="button" class="kc-close"><span aria-hidden="true">×</span></button>' +
    '    </header>' +
    '    <p class="kc-conn" role="status" aria-live="polite" hidden></p>' +
    '    <p class="kc-wait" role="status" aria-live="polite" hidden></p>' +
    '    <ol class="kc-log" role="log" aria-live="polite" tabindex="0"></ol>' +
    '    <p class="kc-typing" aria-live="polite" hidden></p>' +
    '    <form class="kc-email" hidden novalidate>' +
    '      <p class="kc-email-why"></p>' +
    '      <label class="kc-field"><span class="kc-name-label"></span><input name="name" autocomplete="name"></label>' +
    '      <label class="kc-field"><span class="kc-email-label"></span>' +
    '        <input name="email" type="email" autocomplete="email" required></label>' +
    '      <button type="submit" class="kc-save"></button>' +
    '    </form>' +
    '    <p class="kc-note" role="status" hidden></p>' +
    '    <p class="kc-alert" role="alert" hidden></p>' +
    '    <form class="kc-compose">' +
    '      <label class="kc-sr" for="kc-input"></label>' +
    '      <textarea id="kc-input" class="kc-input" rows="2"></textarea>' +
    '      <button type="submit" class="kc-send"></button>' +
    '    </form>' +
    '  </section>' +
    '  <button type="button" class="kc-launcher" aria-expanded="false" aria-controls="kc-panel">' +
    '    <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">' +
    '      <path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>' +
    '    <span class="kc-launcher-text"></span><span class="kc-badge" hidden></span>' +
    '  </button>' +
    '</div>';

  function $(selector) { return root.querySelector(selector); }
  var ui = {
    frame: $(".kc"), panel: $(".kc-panel"), launcher: $(".kc-launcher"), close: $(".kc-close"),
    title: $(".kc-title"), conn: $(".kc-conn"), wait: $(".kc-wait"), log: $(".kc-log"), typing: $(".kc-typing"),
    email: $(".kc-email"), alert: $(".kc-alert"), compose: $(".kc-compose"), input: $(".kc-input"),
    badge: $(".kc-badge"), note: $(".kc-note")
  };
  ui.title.textContent = data.title || T.title;
  ui.launcher.setAttribute("aria-label", T.open);
  $(".kc-launcher-text").textContent = T.launcher;
  ui.close.setAttribute("aria-label", T.close);
  ui.log.setAttribute("aria-label", data.title || T.title);
  $(".kc-sr").textContent = T.label;
  ui.input.placeholder = T.placeholder;
  $(".kc-send").textContent = T.send;
  $(".kc-email-why").textContent = T.askEmail;
  $(".kc-name-label").textContent = T.nameLabel;
  $(".kc-email-label").textContent = T.emailLabel;
  $(".kc-save").textContent = T.save;
  ui.badge.textContent = T.unread;
  ui.frame.setAttribute("lang", LANG);
  ui.frame.classList.toggle("kc-left", data.position === "left");
  if (data.color && /^#[0-9a-fA-F]{3,8}$/.test(data.color)) ui.frame.style.setProperty("--kc-accent", data.color);

  // Shown only once our stylesheet is in, so the page never flashes an unstyled widget.
  $("link").addEventListener("load", function () { ui.frame.hidden = false; });

  function show(el, text) { el.textContent = text || ""; el.hidden = !text; }

  // --- conversation state -----------------------------------------------------------------------

  var state = {
    token: load(TOKEN_KEY, null),
    queue: load(QUEUE_KEY, []),   // messages not yet acknowledged: survive a reload or going offline
    limits: { max_chars: 2000 },
    email: null,
    answered: false,
    inflight: false,
    retryTimer: null,
    socket: null,
    ready: false
  };

  function persistQueue() { save(QUEUE_KEY, state.queue); }

  function row(message) {
    var key = message.client_id ? "c:" + message.client_id : "m:" + message.id;
    var li = ui.log.querySelector('[data-key="' + key + '"]');
    if (!li) {
      li = document.createElement("li");
      li.dataset.key = key;
      li.className = "kc-msg kc-from-" + message.from;
      var meta = document.createElement("span");
      meta.className = "kc-meta";
      var bubble = document.createElement("span");
      bubble.className = "kc-bubble";
      bubble.textContent = message.text;
      if (message.from === "agent" && message.author && message.author.avatar_url) {
        var avatar = document.createElement("img");
        avatar.className = "kc-avatar";
        avatar.alt = "";
        avatar.src = message.author.avatar_url;
        li.appendChild(avatar);
      }
      li.appendChild(bubble);
      li.appendChild(meta);
      ui.log.appendChild(li);
      ui.log.scrollTop = ui.log.scrollHeight;
    }
    return li;
  }

  function setMeta(li, text, stateName) {
    var meta = li.querySelector(".kc-meta");
    meta.textContent = text;
    if (stateName) li.dataset.state = stateName;
  }

  function showMessage(message) {
    var li = row(message);
    if (message.from === "visitor") {
      setMeta(li, T[message.state || "delivered"], message.state || "delivered");
    } else {
      var name = message.author ? message.author.name : T.team;
      setMeta(li, name);
      li.setAttribute("aria-label", name + ": " + message.text);
    }
    if (message.from === "agent") {
      state.answered = true;
      show(ui.wait, message.author ? fill(T.answered, { name: message.author.name }) : "");
      show(ui.typing, "");
    }
  }

  function showWait(wait) {
    if (!wait || state.answered) return;
    var text;
    if (wait.state === "closed") {
      text = wait.next_open_at ? fill(T.closed, { when: openingTime(wait.next_open_at) }) : T.closedSoon;
    } else if (wait.state === "no_agents") {
      text = T.noAgents;
    } else {
      text = fill(T.wait, { place: place(wait.position), wait: duration(wait.seconds) });
    }
    show(ui.wait, text);
    ui.wait.dataset.state = wait.state;
    ui.email.hidden = !(wait.ask_email && !state.email);
  }

  function showAvailability(availability) {
    if (ui.log.children.length || !availability) return;
    if (availability.state === "waiting") show(ui.wait, T.intro);
    else showWait({ state: availability.state, next_open_at: availability.next_open_at, ask_email: true });
  }

  function alertFor(ack) {
    if (ack.error === "rate_limited") return fill(T.rateLimited, { seconds: ack.retry_after });
    if (ack.error === "too_long") return fill(T.tooLong, { limit: ack.limit });
    return ack.text || T.failed;
  }

  // --- the socket ---------------------------------------------------------------------------------

  function flush() {
    if (!state.ready || state.inflight || !state.queue.length) return;
    var next = state.queue[0];
    state.inflight = true;
    setMeta(row({ client_id: next.id, from: "visitor", text: next.text }), T.sent, "sent");
    state.socket.timeout(ACK_TIMEOUT).emit("message", { id: next.id, text: next.text }, function (err, ack) {
      state.inflight = false;
      if (err) return;  // no answer: still queued, sent again on the next connection
      if (ack && ack.ok) {
        state.queue.shift();
        persistQueue();
        setMeta(row({ client_id: next.id, from: "visitor", text: next.text }), T.delivered, "delivered");
        show(ui.alert, "");
        flush();
        return;
      }
      show(ui.alert, alertFor(ack || {}));
      if (ack && (ack.error === "rate_limited" || ack.error === "server_error")) {
        setMeta(row({ client_id: next.id, from: "visitor", text: next.text }), T.queued, "queued");
        clearTimeout(state.retryTimer);
        state.retryTimer = setTimeout(flush, 1000 * (ack.retry_after || 3));
        return;
      }
      state.queue.shift();  // a message the server can never take: keep it visible, marked not sent
      persistQueue();
      setMeta(row({ client_id: next.id, from: "visitor", text: next.text }), T.failed, "failed");
      flush();
    });
  }

  function hello() {
    state.socket.timeout(ACK_TIMEOUT).emit("hello", {}, function (err, session) {
      if (err || !session || !session.ok) return;
      state.token = session.token;
      save(TOKEN_KEY, session.token);
      state.limits = session.limits;
      ui.input.maxLength = session.limits.max_chars;
      state.email = session.identity && session.identity.email;
      session.messages.forEach(function (m) { m.state = "delivered"; showMessage(m); });
      state.queue.forEach(function (q) {
        setMeta(row({ client_id: q.id, from: "visitor", text: q.text }), T.queued, "queued");
      });
      if (session.wait) showWait(session.wait); else showAvailability(session.availability);
      if (state.email) show(ui.note, fill(T.saved, { email: state.email }));
      state.ready = true;
      flush();
    });
  }

  function connect() {
    if (state.socket) return;
    var io = window.__keptIo;
    state.socket = io(SERVER + "/chat", {
      auth: function (cb) { cb({ token: state.token, lang: LANG, tz: TZ, page: location.href }); },
      transports: ["websocket", "polling"],
      tryAllTransports: true
    });
    state.socket.on("connect", function () { show(ui.conn, ""); hello(); });
    state.socket.on("disconnect", function () {
      state.ready = false;
      state.inflight = false;
      show(ui.conn, navigator.onLine === false ? T.offline : T.reconnecting);
    });
    state.socket.on("connect_error", function () {
      show(ui.conn, navigator.onLine === false ? T.offline : T.reconnecting);
    });
    state.socket.on("message", function (message) {
      if (message.from === "visitor") message.state = "delivered";
      showMessage(message);
      if (message.from !== "visitor" && ui.panel.hidden) ui.badge.hidden = false;
    });
    state.socket.on("wait", showWait);
    var typingTimer = null;
    state.socket.on("typing", function (event) {
      clearTimeout(typingTimer);
      show(ui.typing, event.typing ? fill(T.typing, { name: event.name || T.team }) : "");
      // An indicator whose "stopped" was lost must not stay forever.
      if (event.typing) typingTimer = setTimeout(function () { show(ui.typing, ""); }, 8000);
    });
  }

  function withClient(then) {
    if (window.__keptIo) return then();
    var previous = window.io;
    var tag = document.createElement("script");
    tag.src = STATIC + "vendor/socket.io.min.js";
    tag.async = true;
    tag.onload = function () {
      // Keep our client to ourselves, and the page's own `io` (if any) as it was.
      window.__keptIo = window.io;
      if (previous) window.io = previous; else delete window.io;
      then();
    };
    (document.head || document.documentElement).appendChild(tag);
  }

  // --- interaction ------------------------------------------------------------------------------------

  var typingSent = false;
  var typingIdle = null;

  function setTyping(on) {
    if (!state.ready || typingSent === on) return;
    typingSent = on;
    state.socket.emit("typing", { typing: on });
  }

  function send(text) {
    text = text.trim();
    if (!text) return;
    if (text.length > state.limits.max_chars) {
      show(ui.alert, fill(T.tooLong, { limit: state.limits.max_chars }));
      return;
    }
    var message = { id: randomId(), text: text };
    state.queue.push(message);
    persistQueue();
    showMessage({ client_id: message.id, from: "visitor", text: text, state: "queued" });
    ui.input.value = "";
    setTyping(false);
    withClient(connect);
    flush();
  }

  function openPanel() {
    ui.panel.hidden = false;
    ui.frame.classList.add("kc-open");
    ui.launcher.setAttribute("aria-expanded", "true");
    ui.launcher.setAttribute("aria-label", T.close);
    ui.badge.hidden = true;
    withClient(connect);
    ui.input.focus();
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function closePanel() {
    ui.panel.hidden = true;
    ui.frame.classList.remove("kc-open");
    ui.launcher.setAttribute("aria-expanded", "false");
    ui.launcher.setAttribute("aria-label", T.open);
    ui.launcher.focus();
  }

  ui.launcher.addEventListener("click", function () { if (ui.panel.hidden) openPanel(); else closePanel(); });
  ui.close.addEventListener("click", closePanel);
  ui.panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); closePanel(); }
  });
  ui.compose.addEventListener("submit", function (event) { event.preventDefault(); send(ui.input.value); });
  ui.input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send(ui.input.value);
    }
  });
  ui.input.addEventListener("input", function () {
    setTyping(ui.input.value.length > 0);
    clearTimeout(typingIdle);
    typingIdle = setTimeout(function () { setTyping(false); }, 3000);
  });
  ui.email.addEventListener("submit", function (event) {
    event.preventDefault();
    var fields = { name: ui.email.elements.name.value, email: ui.email.elements.email.value };
    if (!state.ready) return;
    state.socket.timeout(ACK_TIMEOUT).emit("identify", fields, function (err, ack) {
      if (err) return;
      if (!ack.ok) { show(ui.alert, T.invalidEmail); ui.email.elements.email.focus(); return; }
      state.email = ack.email;
      show(ui.alert, "");
      ui.email.hidden = true;
      show(ui.note, fill(T.saved, { email: ack.email }));
      ui.input.focus();
    });
  });
  // Offline, messages wait in the queue rather than go into a socket that has not noticed yet.
  window.addEventListener("offline", function () { state.ready = false; show(ui.conn, T.offline); });
  window.addEventListener("online", function () {
    if (!state.socket) return;
    if (state.socket.connected) { state.ready = true; show(ui.conn, ""); flush(); } else state.socket.connect();
  });

  (document.body || document.documentElement).appendChild(host);
  window.KeptChat = { open: openPanel, close: closePanel, language: LANG };

  // A visitor with a conversation under way hears replies on every page; others connect on first open.
  if (state.token || state.queue.length || data.open === "true") withClient(connect);
  if (data.open === "true") openPanel();
})();
