/*
 * Customer chat page for supportbot. Plain browser JavaScript, no build step.
 *
 * Sections: configuration, storage, API calls, SSE parsing, markdown, rendering,
 * chat flow (send / restore / feedback / agent polling), wiring.
 *
 * Safety rule: text from the server or the customer only reaches the DOM through
 * textContent, except bot and agent markdown, which goes through
 * DOMPurify.sanitize(marked.parse(text)) before it is assigned to innerHTML.
 */
"use strict";

(function () {
  // ---- Configuration ---------------------------------------------------------------

  const STORAGE_KEY = "supportbot.conversation";
  const FALLBACK_NAME = "Support";
  /** While a person is handling the conversation, look for their replies this often. */
  const AGENT_POLL_MS = 5000;
  const HANDOFF_STATUSES = new Set(["waiting_for_agent", "agent"]);
  const STATUS_TEXT = {
    waiting_for_agent: "A person from our team will take over shortly. You can keep writing here.",
    agent: "You are now chatting with a person from our team.",
    resolved: "This conversation has been marked as resolved. Start a new conversation if you need more help.",
  };
  const SENDER_LABEL = { customer: "You", bot: "Support assistant", agent: "Agent", system: "Notice" };

  /** Markdown output may only contain these; images are left out on purpose (no tracking pixels). */
  const SANITIZE_CONFIG = {
    ALLOWED_TAGS: [
      "a", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
      "hr", "i", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead",
      "tr", "ul",
    ],
    ALLOWED_ATTR: ["href", "title", "start", "align"],
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
  };

  const dom = {};
  const state = {
    conversation: null, // {id, token}
    status: "bot",
    busy: false,
    loading: false, // restoring a stored conversation; sending waits until it is done
    abort: null, // AbortController of the request in flight
    pollTimer: null,
    escalations: new Map(), // message_id -> reason (string or null), to survive re-renders
  };

  // ---- Storage -----------------------------------------------------------------------

  function loadStoredConversation() {
    try {
      const value = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "null");
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
        STORAGE_KEY,
        JSON.stringify({ conversation_id: conversation.id, conversation_token: conversation.token }),
      );
    } catch (_error) {
      // Storage full or disabled: the conversation still works until the page is reloaded.
    }
  }

  function clearStoredConversation() {
    try {
      window.localStorage.removeItem(STORAGE_KEY);
    } catch (_error) {
      // Nothing to clear.
    }
  }

  // ---- API calls ---------------------------------------------------------------------

  class ApiError extends Error {
    constructor(message, status) {
      super(message);
      this.name = "ApiError";
      this.status = status;
    }
  }

  function requestHeaders(conversation, extra) {
    const headers = Object.assign({ Accept: "application/json" }, extra);
    if (conversation && conversation.token) {
      headers["X-Conversation-Token"] = conversation.token;
    }
    return headers;
  }

  function formatValidationItem(item) {
    if (typeof item === "string") return item;
    if (!item || typeof item.msg !== "string") return "";
    const loc = Array.isArray(item.loc) ? item.loc.filter((part) => part !== "body").join(".") : "";
    return loc ? `${loc}: ${item.msg}` : item.msg;
  }

  /** Turn FastAPI's `detail` (a string, or a list of validation errors) into one line. */
  function formatDetail(detail) {
    if (typeof detail === "string") return detail.trim();
    if (Array.isArray(detail)) return detail.map(formatValidationItem).filter(Boolean).join("; ");
    return "";
  }

  async function errorFromResponse(response) {
    let detail = "";
    try {
      const body = await response.json();
      detail = formatDetail(body && body.detail);
    } catch (_error) {
      // Not JSON (e.g. a proxy error page): fall back to the status line below.
    }
    const fallback = `The server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ""}.`;
    return new ApiError(detail || fallback, response.status);
  }

  /** Any fetch failure that is not an HTTP error is reported as a connection problem. */
  function networkError(error) {
    if (error instanceof ApiError || (error && error.name === "AbortError")) return error;
    return new ApiError("Could not reach the server. Check your connection and try again.", 0);
  }

  async function requestJson(url, options) {
    let response;
    try {
      response = await fetch(url, options);
    } catch (error) {
      throw networkError(error);
    }
    if (!response.ok) throw await errorFromResponse(response);
    return response.json();
  }

  function fetchInfo() {
    return requestJson("/api/info", { headers: requestHeaders(null) });
  }

  function fetchConversation(conversation) {
    return requestJson(`/api/conversations/${encodeURIComponent(conversation.id)}`, {
      headers: requestHeaders(conversation),
    });
  }

  function postFeedback(conversation, messageId, rating) {
    return requestJson(`/api/conversations/${encodeURIComponent(conversation.id)}/feedback`, {
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
    let response;
    try {
      response = await fetch("/api/chat/stream", {
        method: "POST",
        headers: requestHeaders(conversation, {
          "Content-Type": "application/json",
          Accept: "text/event-stream",
        }),
        body: JSON.stringify({ message, conversation_id: conversation ? conversation.id : null }),
        signal,
      });
    } catch (error) {
      throw networkError(error);
    }
    if (!response.ok) throw await errorFromResponse(response);
    if (!response.body) throw new ApiError("The server sent an empty reply.", response.status);

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

  // ---- Markdown ----------------------------------------------------------------------

  let markdownReady = false;

  function setUpMarkdown() {
    if (!window.marked || !window.DOMPurify || !window.DOMPurify.isSupported) return;
    window.marked.use({ gfm: true, breaks: true });
    window.DOMPurify.addHook("afterSanitizeAttributes", (node) => {
      if (node.tagName === "A" && node.hasAttribute("href")) {
        node.setAttribute("target", "_blank");
        node.setAttribute("rel", "noopener noreferrer nofollow");
      }
    });
    markdownReady = true;
  }

  function renderMarkdown(target, text) {
    if (!markdownReady) {
      target.textContent = text; // libraries missing: plain text is still safe
      return;
    }
    target.innerHTML = window.DOMPurify.sanitize(window.marked.parse(text), SANITIZE_CONFIG);
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

  function createMessageElement(role, text, messageId) {
    const safeRole = normaliseRole(role);
    const messageEl = document.createElement("div");
    messageEl.className = `message ${safeRole}`;
    messageEl.dataset.role = safeRole;
    if (messageId) messageEl.dataset.messageId = messageId;

    const sender = document.createElement("span");
    sender.className = safeRole === "agent" ? "message-sender" : "message-sender sr-only";
    sender.textContent = SENDER_LABEL[safeRole];
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

  function showEscalationNotice(messageEl, reason) {
    if (messageEl.querySelector(".escalation-notice")) return;
    const notice = document.createElement("p");
    notice.className = "escalation-notice";
    notice.textContent = reason
      ? `A person from our team will take over. Reason: ${reason}`
      : "A person from our team will take over.";
    const feedback = messageEl.querySelector(".feedback");
    messageEl.insertBefore(notice, feedback);
  }

  function renderHistoryMessage(message) {
    const messageEl = createMessageElement(message.role, message.text || "", message.id);
    if (messageEl.dataset.role === "bot" && message.id) {
      addFeedbackButtons(messageEl, message.feedback);
      if (state.escalations.has(message.id)) showEscalationNotice(messageEl, state.escalations.get(message.id));
    }
    return messageEl;
  }

  function renderConversation(conversation) {
    const stick = isNearBottom();
    const items = (conversation.messages || []).map(renderHistoryMessage);
    dom.messages.replaceChildren(...items);
    updateEmptyState();
    setStatus(conversation.status);
    if (stick) scrollToBottom();
  }

  function clearMessages() {
    dom.messages.replaceChildren();
    updateEmptyState();
  }

  function updateEmptyState() {
    dom.emptyState.hidden = dom.messages.childElementCount > 0;
  }

  function setStatus(status) {
    state.status = typeof status === "string" ? status : "bot";
    const text = state.status === "bot" ? "" : STATUS_TEXT[state.status] || `Status: ${state.status}`;
    dom.status.textContent = text;
    dom.status.dataset.status = state.status;
    dom.status.hidden = text === "";
    updatePolling();
  }

  function showError(message) {
    dom.errorText.textContent = message;
    dom.error.hidden = false;
  }

  function clearError() {
    dom.error.hidden = true;
    dom.errorText.textContent = "";
  }

  function setBusy(busy) {
    state.busy = busy;
    dom.sendButton.disabled = busy || state.loading;
    dom.input.readOnly = busy;
    dom.messages.setAttribute("aria-busy", String(busy));
    dom.typing.hidden = !busy;
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

    return {
      append(delta) {
        text += delta;
        ensureElement();
        if (!frame) frame = window.requestAnimationFrame(render);
      },
      finish(reply, messageId) {
        if (frame) window.cancelAnimationFrame(frame);
        frame = 0;
        if (!reply && !messageEl) return null;
        text = reply;
        const el = ensureElement();
        el.classList.remove("is-streaming");
        if (messageId) el.dataset.messageId = messageId;
        render();
        return el;
      },
      discard() {
        if (frame) window.cancelAnimationFrame(frame);
        frame = 0;
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

  function handleDone(done, reply) {
    rememberConversation(done);
    const messageEl = reply.finish(typeof done.reply === "string" ? done.reply : "", done.message_id);
    if (!messageEl) return;
    if (done.message_id) addFeedbackButtons(messageEl, null);
    if (done.escalated) {
      const reason = typeof done.escalation_reason === "string" ? done.escalation_reason : null;
      if (done.message_id) state.escalations.set(done.message_id, reason);
      showEscalationNotice(messageEl, reason);
      if (state.status === "bot") setStatus("waiting_for_agent");
    }
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
          handleDone(parseEventData(event.data), reply);
        } else if (event.event === "error") {
          const payload = parseEventData(event.data);
          throw new ApiError(formatDetail(payload && payload.detail) || "Something went wrong.", 0);
        }
      });
      if (!finished) throw new ApiError("The reply was interrupted. Please try again.", 0);
    } catch (error) {
      // Aborted by "New conversation", or the connection dropped after the reply was
      // complete: nothing to report.
      if (controller.signal.aborted || finished) return;
      reply.discard();
      customerEl.remove();
      updateEmptyState();
      if (dom.input.value === "") setInputText(original);
      showError(`Your message could not be sent: ${error.message || "Something went wrong."}`);
    } finally {
      if (state.abort === controller) {
        state.abort = null;
        setBusy(false);
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
    state.escalations.clear();
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
      await postFeedback(state.conversation, messageId, rating);
      setFeedbackState(messageEl, rating);
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

  // ---- Chat flow: picking up agent replies -------------------------------------------

  function updatePolling() {
    const wanted = HANDOFF_STATUSES.has(state.status) && state.conversation && state.conversation.token;
    if (wanted && !state.pollTimer) {
      state.pollTimer = window.setInterval(pollConversation, AGENT_POLL_MS);
    } else if (!wanted && state.pollTimer) {
      window.clearInterval(state.pollTimer);
      state.pollTimer = null;
    }
  }

  function hasUnseenMessages(conversation) {
    const shown = new Set(Array.from(dom.messages.children, (el) => el.dataset.messageId));
    return (conversation.messages || []).some((message) => !shown.has(message.id));
  }

  async function pollConversation() {
    if (state.busy || document.hidden || !state.conversation) return;
    const conversation = state.conversation;
    try {
      const data = await fetchConversation(conversation);
      if (state.busy || state.conversation !== conversation) return;
      if (hasUnseenMessages(data)) renderConversation(data);
      else setStatus(data.status);
    } catch (_error) {
      // Transient; the next poll tries again.
    }
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
    document.title = name === FALLBACK_NAME ? name : `${name} · Support`;
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

  function init() {
    dom.chat = document.getElementById("chat");
    dom.messages = document.getElementById("messages");
    dom.emptyState = document.getElementById("empty-state");
    dom.typing = document.querySelector(".typing");
    dom.input = document.getElementById("message-input");
    dom.sendButton = document.getElementById("send-button");
    dom.composer = document.getElementById("composer");
    dom.newConversation = document.getElementById("new-conversation");
    dom.status = document.getElementById("conversation-status");
    dom.error = document.getElementById("error");
    dom.errorText = document.getElementById("error-text");
    dom.errorDismiss = document.getElementById("error-dismiss");
    dom.companyName = document.getElementById("company-name");
    dom.brandInitial = document.getElementById("brand-initial");
    dom.feedbackTemplate = document.getElementById("feedback-template");

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
    focusInput();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
