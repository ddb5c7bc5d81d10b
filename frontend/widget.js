/*
 * The website widget: one script tag adds a launcher button and the chat in a panel to any page.
 *
 *   <script src="https://bot.example/widget.js" data-label="Chat with us"
 *           data-customer="shop-id-42" data-signature="<HMAC-SHA256 of the id>" defer></script>
 *
 * GET /widget.js serves this file bundled with marked, DOMPurify, common.js and app.js inside one
 * function, all on its own SUPPORTBOT_ROOT object: the page gets no globals, and its styles do
 * not reach the chat (a shadow root). The chat is app.js, as at /: streaming, hand-off notices
 * and agents' replies live, the same markdown safety; the conversation is kept in this site's
 * localStorage across page loads, and the panel stays open across them (sessionStorage).
 * `data-customer` and `data-signature` pass the shop's signed customer identity
 * (`supportbot customer-link` shows how it is signed).
 */
"use strict";

(function (root, script) {
  const apiBase = new URL(script.src, window.location.href).origin;
  const data = script.dataset;
  const OPEN_KEY = `supportbot.widget.open:${apiBase}`;

  function remembered(key) {
    try {
      return window.sessionStorage.getItem(key) === "1";
    } catch (_error) {
      return false;
    }
  }

  function remember(key, on) {
    try {
      window.sessionStorage.setItem(key, on ? "1" : "0");
    } catch (_error) {
      // Storage disabled: the panel starts closed on the next page.
    }
  }

  function stylesheet(shadow, href) {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = `${apiBase}${href}`;
    shadow.append(link);
  }

  function build() {
    const host = document.createElement("div");
    host.id = "supportbot-widget";
    const shadow = host.attachShadow({ mode: "open" });
    const reset = document.createElement("style");
    reset.textContent = ":host { all: initial; }"; // nothing of the page's styles is inherited
    shadow.append(reset);
    stylesheet(shadow, "/static/style.css");
    stylesheet(shadow, "/static/widget.css");

    const launcher = document.createElement("button");
    launcher.type = "button";
    launcher.className = "launcher";
    launcher.setAttribute("aria-controls", "supportbot-panel");
    launcher.textContent = data.label || "Chat with us";
    const panel = document.createElement("div");
    panel.id = "supportbot-panel";
    panel.className = "panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", launcher.textContent);
    panel.innerHTML = SUPPORTBOT_CHAT_HTML; // the bot's own markup, served with this bundle
    shadow.append(panel, launcher);
    document.body.append(host);

    const chat = root.SupportbotChat.mount({
      root: shadow,
      apiBase,
      identity: data.customer && data.signature
        ? { external_id: data.customer, signature: data.signature }
        : null,
      storageKey: `supportbot.widget.conversation:${apiBase}`,
    });

    function show(open) {
      panel.hidden = !open;
      launcher.setAttribute("aria-expanded", String(open));
      remember(OPEN_KEY, open);
      if (open) chat.focus();
    }

    launcher.addEventListener("click", () => show(panel.hidden));
    shadow.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !panel.hidden) {
        show(false);
        launcher.focus();
      }
    });
    show(remembered(OPEN_KEY));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", build);
  } else {
    build();
  }
})(SUPPORTBOT_ROOT, SUPPORTBOT_SCRIPT);
