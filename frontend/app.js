/*
 * The customer chat of supportbot: the page at / mounts it on the document, the website
 * widget (widget.js) in its shadow root. Plain browser JavaScript, no build step; needs
 * common.js (loaded first).
 *
 * Sections: configuration, storage, API calls, SSE parsing, rendering, chat flow
 * (send / restore / feedback / live updates during a hand-off), wiring.
 *
 * Safety rule: text from the server or the customer only reaches the DOM through
 * textContent, except bot and agent markdown, which goes through
 * DOMPurify.sanitize(marked.parse(text)) before it is assigned to innerHTML
 * (common.js renderMarkdown), and help-article links, whose href must be http(s).
 */
"use strict";

(function (root) {
  const {
    ApiError, formatDetail, fetchChecked, networkError, requestJson,
    setUpMarkdown, renderMarkdown, linkOrText, showBanner, hideBanner,
  } = root.SupportbotCommon;

  // ---- Configuration ---------------------------------------------------------------

  const FALLBACK_NAME = "Support";
  /** While a person handles the conversation, the page follows its live event stream. */
  const HANDOFF_STATUSES = new Set(["waiting_for_agent", "agent"]);
  /** Reconnect delays of the live stream: doubled after each failure, reset once connected. */
  const LIVE_RETRY_MIN_MS = 1000;
  const LIVE_RETRY_MAX_MS = 30000;
  const STATUS_TEXT = {
    waiting_for_agent: "A person from our team will take over shortly. You can keep writing here.",
    agent: "You are now chatting with a person from our team.",
    resolved: "This conversation has been marked as resolved. Start a new conversation if you need more help.",
  };
  const HANDED_BACK_TEXT = "Our assistant is answering again. You can ask for a person at any time.";
  const SENDER_LABEL = { customer: "You", bot: "Support assistant", agent: "Agent", system: "Notice" };

  const dom = {};
  const state = {
    conversation: null, // {id, token}
    status: "bot",
    busy: false,
    loading: false, // restoring a stored conversation; sending waits until it is done
    abort: null, // AbortController of the message in flight
    live: null, // AbortController of the live event stream
    heldLive: [], // live messages that arrived while a reply was streaming
    newestMessageAt: null, // created_at (as the server wrote it) of the newest message seen
  };
  /**
   * Where the chat is mounted (set once by mount): `root` holds its elements (the document, or
   * the widget's shadow root); `apiBase` prefixes API paths ("" on the page, the bot's origin
   * in the widget); `identity` is who the shop says the visitor is, sent when a conversation
   * starts; `storageKey` names the stored conversation; `setTitle` names the document after
   * the company (the page only).
   */
  let config = null;

  // ---- Storage -----------------------------------------------------------------------

  function loadStoredConversation() {
    try {
      const value = JSON.parse(window.localStorage.getItem(config.storageKey) || "null");
      if (value && typeof value.conversation_id === "string" && typeof value.conversation_token === "string") {
        return { id: value.conversation_id, token: value.conversation_token };
      }
    } catch (_error) {
      // Unreadable or disabled storage: behave as if nothing was stored.
    }
    return null;
  }

  function storeConversation(conversation) {
    try {
      window.localStorage.setItem(
        config.storageKey,
        JSON.stringify({ conversation_id: conversation.id, conversation_token: conversation.token }),
      );
    } catch (_error) {
      // Storage full or disabled: the conversation still works until the page is reloaded.
    }
  }

  function clearStoredConversation() {
    try {
      window.localStorage.removeItem(config.storageKey);
    } catch (_error) {
      // Nothing to clear.
    }
  }

  // ---- API calls ---------------------------------------------------------------------

  function requestHeaders(conversation, extra) {
    const headers = Object.assign({ Accept: "application/json" }, extra);
    if (conversation && conversation.token) {
      headers["X-Conversation-Token"] = conversation.token;
    }
    return headers;
  }

  function conversationUrl(conversation, suffix) {
    return `${config.apiBase}/api/conversations/${encodeURIComponent(conversation.id)}${suffix || ""}`;
  }

  function fetchInfo() {
    return requestJson(`${config.apiBase}/api/info`, { headers: requestHeaders(null) });
  }

  function fetchConversation(conversation) {
    return requestJson(conversationUrl(conversation), { headers: requestHeaders(conversation) });
  }

  function postFeedback(conversation, messageId, rating) {
    return requestJson(conversationUrl(conversation, "/feedback"), {
      method: "POST",
      headers: requestHeaders(conversation, { "Content-Type": "application/json" }),
      body: JSON.stringify({ message_id: messageId, rating }),
    });
  }

  /**
   * POST the message and feed each server-sent event to onEvent({event, data}).
   * Resolves when the stream ends; rejects with ApiError on HTTP or network failure,
   * or with whatever onEvent throws.
   */
  async function streamChat(message, conversation, signal, onEvent) {
    const body = { message, conversation_id: conversation ? conversation.id : null };
    if (!conversation && config.identity) body.customer = config.identity;
    const response = await fetchEventStream(`${config.apiBase}/api/chat/stream`, {
      method: "POST",
      headers: requestHeaders(conversation, { "Content-Type": "application/json", Accept: "text/event-stream" }),
      body: JSON.stringify(body),
      signal,
    });
    await readEventStream(response, onEvent);
  }

  /** Follow the conversation's `message` and `status` events (those after `after`) until the stream ends. */
  async function streamConversationEvents(conversation, after, signal, onEvent) {
    const query = after ? `?after=${encodeURIComponent(after)}` : "";
    const response = await fetchEventStream(conversationUrl(conversation, `/events${query}`), {
      headers: requestHeaders(conversation, { Accept: "text/event-stream" }),
      signal,
    });
    await readEventStream(response, onEvent);
  }

  async function fetchEventStream(url, options) {
    const response = await fetchChecked(url, options);
    if (!response.body) throw new ApiError("The server sent an empty reply.", response.status);
    return response;
  }

  async function readEventStream(response, onEvent) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const parser = createSseParser(onEvent);
    try {
      for (;;) {
        let chunk;
        try {
          chunk = await reader.read();
        } catch (error) {
          throw networkError(error);
        }
        if (chunk.done) break;
        parser.push(decoder.decode(chunk.value, { stream: true }));
      }
      parser.push(decoder.decode());
      parser.end();
    } finally {
      reader.cancel().catch(() => {});
    }
  }

  // ---- SSE parsing -------------------------------------------------------------------

  /**
   * Incremental text/event-stream parser (the subset we need: `event:` and `data:`
   * fields, comments, LF / CRLF / CR line endings, chunks split anywhere).
   */
  function createSseParser(onEvent) {
    let buffer = "";
    let eventName = "";
    let dataLines = [];

    function dispatch() {
      if (dataLines.length > 0) {
        onEvent({ event: eventName || "message", data: dataLines.join("\n") });
      }
      eventName = "";
      dataLines = [];
    }

    function processLine(line) {
      if (line === "") {
        dispatch();
        return;
      }
      if (line.startsWith(":")) return; // comment / keep-alive ping
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") eventName = value;
      else if (field === "data") dataLines.push(value);
    }

    return {
      push(text) {
        buffer += text;
        const lineBreak = /\r\n|\r|\n/g;
        let start = 0;
        let match;
        while ((match = lineBreak.exec(buffer)) !== null) {
          // A lone "\r" at the very end may be the first half of "\r\n": wait for more.
          if (match[0] === "\r" && match.index === buffer.length - 1) break;
          processLine(buffer.slice(start, match.index));
          start = match.index + match[0].length;
        }
        buffer = buffer.slice(start);
      },
      end() {
        if (buffer !== "") processLine(buffer.replace(/\r$/, ""));
        buffer = "";
        dispatch(); // be lenient about a missing blank line after the last event
      },
    };
  }

  function parseEventData(data) {
    try {
      return JSON.parse(data);
    } catch (_error) {
      throw new ApiError("The server sent a reply we could not read.", 0);
    }
  }

  // ---- Rendering ---------------------------------------------------------------------

  function normaliseRole(role) {
    return Object.prototype.hasOwnProperty.call(SENDER_LABEL, role) ? role : "system";
  }

  function setBubbleText(messageEl, text) {
    const bubble = messageEl.querySelector(".bubble");
    if (messageEl.dataset.role === "bot" || messageEl.dataset.role === "agent") {
      renderMarkdown(bubble, text);
    } else {
      bubble.textContent = text;
    }
  }

  /** `author` is the agent's display name on agent replies. */
  function createMessageElement(role, text, messageId, author) {
    const safeRole = normaliseRole(role);
    const messageEl = document.createElement("div");
    messageEl.className = `message ${safeRole}`;
    messageEl.dataset.role = safeRole;
    if (messageId) messageEl.dataset.messageId = messageId;

    const sender = document.createElement("span");
    sender.className = safeRole === "agent" ? "message-sender" : "message-sender sr-only";
    sender.textContent = safeRole === "agent" && typeof author === "string" && author.trim()
      ? author.trim()
      : SENDER_LABEL[safeRole];
    messageEl.append(sender);

    const bubble = document.createElement("div");
    bubble.className = safeRole === "bot" || safeRole === "agent" ? "bubble markdown" : "bubble";
    messageEl.append(bubble);
    setBubbleText(messageEl, text);
    return messageEl;
  }

  function appendMessage(messageEl) {
    const stick = isNearBottom();
    dom.messages.append(messageEl);
    updateEmptyState();
    if (stick || messageEl.dataset.role === "customer") scrollToBottom();
  }

  function isShown(messageId) {
    return Array.prototype.some.call(dom.messages.children, (el) => el.dataset.messageId === messageId);
  }

  function addFeedbackButtons(messageEl, current) {
    if (messageEl.querySelector(".feedback")) return;
    const group = dom.feedbackTemplate.content.firstElementChild.cloneNode(true);
    messageEl.append(group);
    setFeedbackState(messageEl, current);
  }

  function setFeedbackState(messageEl, rating) {
    messageEl.querySelector(".feedback-up").setAttribute("aria-pressed", String(rating === "up"));
    messageEl.querySelector(".feedback-down").setAttribute("aria-pressed", String(rating === "down"));
  }

  /**
   * Notes under a bot reply (a stored message or the `done` event): help articles, hand-off
   * notice. The escalation reason is written for agents (rule details, scores): not shown here.
   */
  function decorateReply(messageEl, reply) {
    showHelpArticles(messageEl, reply.sources);
    if (reply.escalated) showEscalationNotice(messageEl);
  }

  /** Customers see only the help articles among a reply's sources (not topics, tickets or orders). */
  function showHelpArticles(messageEl, sources) {
    const articles = Array.isArray(sources)
      ? sources.filter((source) => source && source.type === "article" && typeof source.title === "string" && source.title.trim())
      : [];
    if (articles.length === 0 || messageEl.querySelector(".sources")) return;
    const box = document.createElement("div");
    box.className = "sources";
    const title = document.createElement("p");
    title.className = "sources-title";
    title.textContent = "Related help articles";
    const list = document.createElement("ul");
    for (const article of articles) {
      const item = document.createElement("li");
      item.append(linkOrText(article.title.trim(), article.url));
      list.append(item);
    }
    box.append(title, list);
    messageEl.insertBefore(box, messageEl.querySelector(".feedback"));
  }

  function showEscalationNotice(messageEl) {
    if (messageEl.querySelector(".escalation-notice")) return;
    const notice = document.createElement("p");
    notice.className = "escalation-notice";
    notice.textContent = "A person from our team will take over.";
    messageEl.insertBefore(notice, messageEl.querySelector(".feedback"));
  }

  function renderStoredMessage(message) {
    const messageEl = createMessageElement(message.role, message.text || "", message.id, message.author);
    if (messageEl.dataset.role === "bot" && message.id) {
      // A hand-off notice is not an answer to rate.
      if (!message.escalated) addFeedbackButtons(messageEl, message.feedback);
      decorateReply(messageEl, message);
    }
    return messageEl;
  }

  function renderConversation(conversation) {
    const messages = conversation.messages || [];
    messages.forEach((message) => noteMessageTime(message.created_at));
    dom.messages.replaceChildren(...messages.map(renderStoredMessage));
    updateEmptyState();
    setStatus(conversation.status);
  }

  function clearMessages() {
    dom.messages.replaceChildren();
    updateEmptyState();
  }

  function updateEmptyState() {
    dom.emptyState.hidden = dom.messages.childElementCount > 0;
  }

  /** `botText` is what the banner says when the bot answers (normally nothing). */
  function setStatus(status, botText = "") {
    state.status = typeof status === "string" ? status : "bot";
    const text = state.status === "bot" ? botText : STATUS_TEXT[state.status] || `Status: ${state.status}`;
    dom.status.textContent = text;
    dom.status.dataset.status = state.status;
    dom.status.hidden = text === "";
    updateLiveStream();
  }

  function showError(message) {
    showBanner(dom.error, dom.errorText, message);
  }

  function clearError() {
    hideBanner(dom.error, dom.errorText);
  }

  function setBusy(busy) {
    state.busy = busy;
    dom.sendButton.disabled = busy || state.loading;
    dom.input.readOnly = busy;
    dom.messages.setAttribute("aria-busy", String(busy));
    // During a hand-off the bot stays silent: no "Support is typing" then.
    dom.typing.hidden = !busy || HANDOFF_STATUSES.has(state.status);
    if (busy) scrollToBottom();
  }

  function isNearBottom() {
    const chat = dom.chat;
    return chat.scrollHeight - chat.scrollTop - chat.clientHeight < 80;
  }

  function scrollToBottom() {
    dom.chat.scrollTop = dom.chat.scrollHeight;
  }

  function resizeInput() {
    dom.input.style.height = "auto";
    dom.input.style.height = `${Math.min(dom.input.scrollHeight + 2, 160)}px`;
  }

  function setInputText(text) {
    dom.input.value = text;
    resizeInput();
  }

  function focusInput() {
    dom.input.focus({ preventScroll: true });
  }

  // ---- Chat flow: sending ------------------------------------------------------------

  /** Keeps the bot bubble of one streamed reply up to date; markdown re-rendered once per frame. */
  function createReplyView() {
    let messageEl = null;
    let text = "";
    let frame = 0;

    function ensureElement() {
      if (!messageEl) {
        messageEl = createMessageElement("bot", "", null);
        messageEl.classList.add("is-streaming");
        appendMessage(messageEl);
      }
      return messageEl;
    }

    function render() {
      frame = 0;
      const stick = isNearBottom();
      setBubbleText(ensureElement(), text);
      if (stick) scrollToBottom();
    }

    function cancelFrame() {
      if (frame) window.cancelAnimationFrame(frame);
      frame = 0;
    }

    return {
      append(delta) {
        text += delta;
        ensureElement();
        if (!frame) frame = window.requestAnimationFrame(render);
      },
      /** The stored reply replaces whatever was streamed (it differs when the reply was escalated). */
      finish(reply, messageId) {
        cancelFrame();
        text = reply;
        const el = ensureElement();
        el.classList.remove("is-streaming");
        if (messageId) el.dataset.messageId = messageId;
        render();
        return el;
      },
      discard() {
        cancelFrame();
        if (messageEl) messageEl.remove();
        messageEl = null;
      },
    };
  }

  function rememberConversation(done) {
    if (typeof done.conversation_id !== "string") return;
    if (typeof done.conversation_token === "string" && done.conversation_token) {
      state.conversation = { id: done.conversation_id, token: done.conversation_token };
      storeConversation(state.conversation);
    } else if (!state.conversation || state.conversation.id !== done.conversation_id) {
      state.conversation = { id: done.conversation_id, token: null };
    }
  }

  function handleDone(done, reply, customerEl) {
    rememberConversation(done);
    const text = typeof done.reply === "string" ? done.reply : "";
    if (text) {
      const messageEl = reply.finish(text, done.message_id);
      if (done.message_id && !done.escalated) addFeedbackButtons(messageEl, null);
      decorateReply(messageEl, done);
    } else {
      // A person handles the conversation: no bot reply, and message_id is the customer's message.
      reply.discard();
      if (done.message_id) customerEl.dataset.messageId = done.message_id;
    }
    if (typeof done.status === "string") setStatus(done.status);
    else if (done.escalated && state.status === "bot") setStatus("waiting_for_agent");
    scrollToBottom();
  }

  async function sendMessage() {
    const text = dom.input.value.trim();
    if (!text || state.busy || state.loading) return;

    clearError();
    const controller = new AbortController();
    state.abort = controller;
    const customerEl = createMessageElement("customer", text, null);
    appendMessage(customerEl);
    const original = dom.input.value;
    setInputText("");
    setBusy(true);

    const reply = createReplyView();
    let finished = false;
    try {
      await streamChat(text, state.conversation, controller.signal, (event) => {
        if (finished) return;
        if (event.event === "delta") {
          const delta = parseEventData(event.data);
          if (delta && typeof delta.text === "string") reply.append(delta.text);
        } else if (event.event === "done") {
          finished = true;
          handleDone(parseEventData(event.data), reply, customerEl);
        } else if (event.event === "error") {
          const payload = parseEventData(event.data);
          const failure = new ApiError(formatDetail(payload && payload.detail) || "Something went wrong.", 0);
          if (payload && typeof payload.conversation_id === "string") {
            // The message was stored before the reply failed: keep it, and its conversation.
            rememberConversation(payload);
            failure.messageKept = true;
          }
          throw failure;
        }
      });
      if (!finished) throw new ApiError("The reply was interrupted. Please try again.", 0);
    } catch (error) {
      // Aborted by "New conversation", or the connection dropped after the reply was
      // complete: nothing to report.
      if (controller.signal.aborted || finished) return;
      reply.discard();
      if (error.messageKept) {
        showError(`No reply came: ${error.message} Your message is saved; send another to try again.`);
        return;
      }
      customerEl.remove();
      updateEmptyState();
      if (dom.input.value === "") setInputText(original);
      showError(`Your message could not be sent: ${error.message || "Something went wrong."}`);
    } finally {
      if (state.abort === controller) {
        state.abort = null;
        setBusy(false);
        showHeldLiveMessages();
        focusInput();
      }
    }
  }

  // ---- Chat flow: restoring, new conversation, feedback -------------------------------

  async function restoreConversation() {
    const stored = loadStoredConversation();
    if (!stored) return;
    state.conversation = stored;
    setLoading(true);
    try {
      const conversation = await fetchConversation(stored);
      if (state.conversation !== stored) return; // user already started over
      renderConversation(conversation);
      scrollToBottom();
    } catch (error) {
      if (state.conversation !== stored) return; // user already started over
      if (error.status === 404 || error.status === 401 || error.status === 403) {
        // Gone (or no longer ours): start fresh without bothering the customer.
        clearStoredConversation();
        state.conversation = null;
        clearMessages();
        return;
      }
      showError(`Your previous conversation could not be loaded: ${error.message}`);
    } finally {
      setLoading(false);
    }
  }

  function setLoading(loading) {
    state.loading = loading;
    dom.sendButton.disabled = loading || state.busy;
  }

  function startNewConversation() {
    if (state.abort) {
      const controller = state.abort;
      state.abort = null;
      controller.abort();
      setBusy(false);
    }
    clearStoredConversation();
    state.conversation = null;
    state.heldLive = [];
    state.newestMessageAt = null;
    clearMessages();
    clearError();
    setStatus("bot");
    focusInput();
  }

  async function submitFeedback(button) {
    const messageEl = button.closest(".message");
    const messageId = messageEl && messageEl.dataset.messageId;
    if (!messageId || !state.conversation) return;
    const rating = button.classList.contains("feedback-up") ? "up" : "down";
    if (button.getAttribute("aria-pressed") === "true") return;

    const buttons = messageEl.querySelectorAll(".feedback-button");
    buttons.forEach((b) => { b.disabled = true; });
    const oldError = messageEl.querySelector(".feedback-error");
    if (oldError) oldError.remove();
    try {
      const result = await postFeedback(state.conversation, messageId, rating);
      setFeedbackState(messageEl, rating);
      // A thumbs-down may hand the conversation to a person; the notice then arrives live.
      if (result && typeof result.status === "string" && result.status !== state.status) setStatus(result.status);
    } catch (error) {
      const note = document.createElement("span");
      note.className = "feedback-error";
      note.textContent = "Couldn't save your rating.";
      messageEl.querySelector(".feedback").append(note);
      showError(`Your rating could not be saved: ${error.message}`);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  // ---- Chat flow: live updates during a hand-off --------------------------------------

  function updateLiveStream() {
    const wanted = HANDOFF_STATUSES.has(state.status) && state.conversation && state.conversation.token;
    if (wanted && !state.live) {
      state.live = new AbortController();
      followConversation(state.conversation, state.live);
    } else if (!wanted && state.live) {
      state.live.abort();
      state.live = null;
    }
  }

  /** Read the conversation's live events until `controller` is aborted; reconnect with backoff. */
  async function followConversation(conversation, controller) {
    const { signal } = controller;
    let delay = LIVE_RETRY_MIN_MS;
    while (!signal.aborted) {
      try {
        await streamConversationEvents(conversation, state.newestMessageAt, signal, (event) => {
          delay = LIVE_RETRY_MIN_MS;
          if (state.conversation === conversation) handleLiveEvent(event);
        });
      } catch (error) {
        if (signal.aborted) return;
        if (error.status === 401 || error.status === 403 || error.status === 404) {
          // The conversation is gone (or no longer ours): retrying cannot help.
          if (state.live === controller) state.live = null;
          return;
        }
      }
      await sleep(delay, signal);
      delay = Math.min(delay * 2, LIVE_RETRY_MAX_MS);
    }
  }

  function sleep(ms, signal) {
    return new Promise((resolve) => {
      const timer = window.setTimeout(resolve, ms);
      signal.addEventListener("abort", () => {
        window.clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }

  function handleLiveEvent(event) {
    const data = parseEventData(event.data);
    if (!data) return;
    if (event.event === "status") {
      const handedBack = data.status === "bot" && HANDOFF_STATUSES.has(state.status);
      setStatus(data.status, handedBack ? HANDED_BACK_TEXT : "");
    } else if (event.event === "message" && typeof data.id === "string") {
      // While a reply streams, its messages have no ids on the page yet: show them afterwards.
      if (state.busy) state.heldLive.push(data);
      else showLiveMessage(data);
    }
  }

  function showHeldLiveMessages() {
    const held = state.heldLive;
    state.heldLive = [];
    held.forEach(showLiveMessage);
  }

  function showLiveMessage(message) {
    noteMessageTime(message.created_at);
    if (isShown(message.id) || claimUnsavedCustomerMessage(message)) return;
    appendMessage(renderStoredMessage(message));
  }

  /**
   * The customer's own messages get no id on the page when the bot answers them (`done`
   * carries the reply's id); when such a message comes back live, give it the id instead of
   * showing it twice.
   */
  function claimUnsavedCustomerMessage(message) {
    if (message.role !== "customer") return false;
    const unsaved = dom.messages.querySelectorAll(".message.customer:not([data-message-id])");
    const match = Array.prototype.find.call(unsaved, (el) => el.querySelector(".bubble").textContent === message.text);
    if (!match) return false;
    match.dataset.messageId = message.id;
    return true;
  }

  /** Remember the newest created_at, verbatim, so that a reconnect asks only for later messages. */
  function noteMessageTime(createdAt) {
    const time = typeof createdAt === "string" ? Date.parse(createdAt) : NaN;
    if (Number.isNaN(time)) return;
    if (!state.newestMessageAt || time >= Date.parse(state.newestMessageAt)) state.newestMessageAt = createdAt;
  }

  // ---- Wiring ------------------------------------------------------------------------

  async function loadInfo() {
    let name = FALLBACK_NAME;
    try {
      const info = await fetchInfo();
      if (info && typeof info.company_name === "string" && info.company_name.trim()) {
        name = info.company_name.trim();
      }
    } catch (_error) {
      // Keep the fallback name.
    }
    dom.companyName.textContent = name;
    dom.brandInitial.textContent = name.charAt(0).toUpperCase();
    if (config.setTitle) document.title = name === FALLBACK_NAME ? name : `${name} · Support`;
  }

  function onInputKeyDown(event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendMessage();
    }
  }

  function onMessagesClick(event) {
    const button = event.target.closest(".feedback-button");
    if (button && dom.messages.contains(button)) submitFeedback(button);
  }

  /** Show the chat in `options.root` (see `config`); returns what its host may call. */
  function mount(options) {
    config = Object.freeze({
      root: options.root,
      apiBase: options.apiBase || "",
      identity: options.identity || null,
      storageKey: options.storageKey,
      setTitle: Boolean(options.setTitle),
    });
    const byId = (id) => config.root.getElementById(id);
    dom.chat = byId("chat");
    dom.messages = byId("messages");
    dom.emptyState = byId("empty-state");
    dom.typing = config.root.querySelector(".typing");
    dom.input = byId("message-input");
    dom.sendButton = byId("send-button");
    dom.composer = byId("composer");
    dom.newConversation = byId("new-conversation");
    dom.status = byId("conversation-status");
    dom.error = byId("error");
    dom.errorText = byId("error-text");
    dom.errorDismiss = byId("error-dismiss");
    dom.companyName = byId("company-name");
    dom.brandInitial = byId("brand-initial");
    dom.feedbackTemplate = byId("feedback-template");

    setUpMarkdown();

    dom.composer.addEventListener("submit", (event) => {
      event.preventDefault();
      sendMessage();
    });
    dom.input.addEventListener("keydown", onInputKeyDown);
    dom.input.addEventListener("input", resizeInput);
    dom.newConversation.addEventListener("click", startNewConversation);
    dom.messages.addEventListener("click", onMessagesClick);
    dom.errorDismiss.addEventListener("click", () => {
      clearError();
      focusInput();
    });

    loadInfo();
    restoreConversation();
    return Object.freeze({ focus: focusInput });
  }

  root.SupportbotChat = Object.freeze({ mount });

  /** On the page, the customer's identity comes from its link (`?customer=...&signature=...`). */
  function mountOnPage() {
    const params = new URLSearchParams(window.location.search);
    const externalId = params.get("customer");
    const signature = params.get("signature");
    mount({
      root: document,
      identity: externalId && signature ? { external_id: externalId, signature } : null,
      storageKey: "supportbot.conversation",
      setTitle: true,
    }).focus();
  }

  if (root !== window) return; // inside the widget's bundle: widget.js mounts it
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountOnPage);
  } else {
    mountOnPage();
  }
})(typeof SUPPORTBOT_ROOT !== "undefined" ? SUPPORTBOT_ROOT : window);
