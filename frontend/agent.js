/*
 * Agents' inbox for supportbot: sign in with an agent API key, work the queue of
 * conversations handed to a person, answer (with the bot's suggestion if wanted), hand
 * back to the bot or resolve. Plain browser JavaScript, no build step; needs common.js
 * (loaded first).
 *
 * Sections: configuration, storage, API calls, small DOM helpers, sign-in, queue,
 * conversation view (header, messages, customer, sources, draft), actions, wiring.
 *
 * Safety rule (as in common.js): server text only reaches the DOM through textContent;
 * bot and agent markdown only through renderMarkdown (DOMPurify), links only through
 * linkOrText (http(s) only).
 */
"use strict";

(function () {
  const {
    requestJson, setUpMarkdown, renderMarkdown, linkOrText, showBanner, hideBanner,
  } = window.SupportbotCommon;

  // ---- Configuration ---------------------------------------------------------------

  const KEY_STORAGE = "supportbot.agentKey";
  const QUEUE_REFRESH_MS = 3000;
  const CONVERSATION_REFRESH_MS = 2000;
  const PAGE_TITLE = "Support inbox";
  const HANDOFF_STATUSES = new Set(["waiting_for_agent", "agent"]);
  const STATUS_LABEL = {
    waiting_for_agent: "Waiting for a person",
    agent: "With an agent",
    bot: "Answered by the bot",
    resolved: "Resolved",
  };
  const SENDER_LABEL = { customer: "Customer", bot: "Bot", agent: "Agent", system: "Notice" };
  const ASK_FOR_SUGGESTION_TEXT = "Ask the bot for a suggestion, then edit it before you send.";
  const NO_SUGGESTION_TEXT = "The bot has no suggestion for this conversation.";
  const SOURCE_GROUPS = [
    { type: "topic", title: "Topic" },
    { type: "article", title: "Help articles" },
    { type: "ticket", title: "Similar solved tickets" },
    { type: "order", title: "Orders mentioned" },
  ];

  const dom = {};
  const state = {
    key: null,
    queueTimer: 0,
    queueLoading: false,
    queueShown: "", // JSON of the queue rows on screen
    openId: null,
    conversation: null, // the open conversation as last loaded, plus changes made here
    conversationTimer: 0,
    loadingId: null, // the conversation whose load is in flight
    changes: 0, // counts changes made here, so that an older load cannot undo them
    draft: null, // a suggestion asked for with "Suggest reply" ({text, sources})
    drafting: false,
    acting: false, // a send, hand-back or resolve is in flight
    rendered: new Map(), // part of the conversation view -> JSON of the data it shows
  };

  // ---- Storage -----------------------------------------------------------------------

  function loadKey() {
    try {
      return window.sessionStorage.getItem(KEY_STORAGE);
    } catch (_error) {
      return null; // storage disabled: sign in on every load
    }
  }

  function storeKey(key) {
    try {
      window.sessionStorage.setItem(KEY_STORAGE, key);
    } catch (_error) {
      // Storage disabled: the key lasts until the page is reloaded.
    }
  }

  function clearKey() {
    try {
      window.sessionStorage.removeItem(KEY_STORAGE);
    } catch (_error) {
      // Nothing to clear.
    }
  }

  // ---- API calls ---------------------------------------------------------------------

  /** A JSON request as the signed-in agent; a 401 for the current key signs the agent out. */
  async function api(path, method = "GET", body = undefined) {
    const key = state.key;
    const options = { method, headers: { Accept: "application/json", Authorization: `Bearer ${key}` } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    try {
      return await requestJson(path, options);
    } catch (error) {
      if (error.status === 401 && state.key === key) {
        signOut("The agent key was not accepted. Please sign in with a valid key.");
      }
      throw error;
    }
  }

  function conversationPath(id, suffix = "") {
    return `/api/agent/conversations/${encodeURIComponent(id)}${suffix}`;
  }

  // ---- Small DOM helpers -------------------------------------------------------------

  function el(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined && text !== null) element.textContent = String(text);
    return element;
  }

  function list(className, items) {
    const element = el("ul", className);
    element.append(...items);
    return element;
  }

  function showError(message) {
    showBanner(dom.error, dom.errorText, message);
  }

  function clearError() {
    hideBanner(dom.error, dom.errorText);
  }

  /** A 401 has already signed the agent out with its own message. */
  function reportError(action, error) {
    if (error.status !== 401) showError(`${action}: ${error.message}`);
  }

  function showNotice(message) {
    showBanner(dom.notice, dom.notice, message);
  }

  function hideNotice() {
    hideBanner(dom.notice, dom.notice);
  }

  function formatWaiting(seconds) {
    const minutes = Number.isFinite(seconds) ? Math.floor(seconds / 60) : 0;
    if (minutes < 1) return "< 1 min";
    if (minutes < 60) return `${minutes} min`;
    const hours = Math.floor(minutes / 60);
    if (hours < 24) return `${hours} h ${minutes % 60} min`;
    return `${Math.floor(hours / 24)} d ${hours % 24} h`;
  }

  function parseDate(iso) {
    const date = typeof iso === "string" ? new Date(iso) : null;
    return date && !Number.isNaN(date.getTime()) ? date : null;
  }

  function timeElement(iso, options) {
    const date = parseDate(iso);
    if (!date) return null;
    const time = el("time", "", date.toLocaleString(undefined, options));
    time.dateTime = iso;
    return time;
  }

  function formatMoney(amount, currency) {
    if (typeof amount !== "number") return "";
    try {
      return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(amount);
    } catch (_error) {
      return `${amount} ${currency || ""}`.trim(); // unknown currency code
    }
  }

  function formatScore(score) {
    return typeof score === "number" && Number.isFinite(score) ? score.toFixed(2) : "";
  }

  function isNearBottom(container) {
    return container.scrollHeight - container.scrollTop - container.clientHeight < 80;
  }

  // ---- Sign-in -----------------------------------------------------------------------

  async function signIn(key) {
    clearError();
    state.key = key;
    let me;
    try {
      me = await api("/api/agent/me");
    } catch (error) {
      if (error.status !== 401) {
        state.key = null;
        showSignIn();
        showError(`You could not be signed in: ${error.message}`);
      }
      return;
    }
    storeKey(key);
    showInbox(me);
  }

  function signOut(message) {
    state.key = null;
    clearKey();
    window.clearInterval(state.queueTimer);
    state.queueTimer = 0;
    closeConversation();
    dom.queue.replaceChildren();
    state.queueShown = "";
    document.title = PAGE_TITLE;
    hideNotice();
    showSignIn();
    if (message) showError(message);
    else clearError();
  }

  function showSignIn() {
    dom.inbox.hidden = true;
    dom.signOut.hidden = true;
    dom.agentName.hidden = true;
    dom.signIn.hidden = false;
    dom.keyInput.focus();
  }

  function showInbox(me) {
    const name = me && typeof me.name === "string" ? me.name : "agent";
    dom.agentName.textContent = `Signed in as ${name}${me && me.is_admin ? " (admin)" : ""}`;
    dom.agentName.hidden = false;
    dom.signIn.hidden = true;
    dom.keyInput.value = "";
    dom.inbox.hidden = false;
    dom.signOut.hidden = false;
    refreshQueue();
    state.queueTimer = window.setInterval(refreshQueue, QUEUE_REFRESH_MS);
  }

  async function onSignInSubmit(event) {
    event.preventDefault();
    const key = dom.keyInput.value.trim();
    if (!key || dom.signInButton.disabled) return;
    dom.signInButton.disabled = true;
    try {
      await signIn(key);
    } finally {
      dom.signInButton.disabled = false;
    }
  }

  // ---- Queue -------------------------------------------------------------------------

  async function refreshQueue() {
    if (state.queueLoading || !state.key) return;
    const key = state.key;
    state.queueLoading = true;
    try {
      const data = await api("/api/agent/queue");
      const entries = (data && Array.isArray(data.items) ? data.items : []).map(queueEntry);
      const shown = JSON.stringify(entries);
      if (state.key === key && shown !== state.queueShown) {
        state.queueShown = shown;
        renderQueue(entries);
      }
    } catch (error) {
      reportError("The queue could not be loaded", error);
    } finally {
      state.queueLoading = false;
    }
  }

  /** What a queue row shows; it changes about once a minute, so rows are rarely rebuilt. */
  function queueEntry(item) {
    return {
      id: String(item.conversation_id),
      status: item.status,
      name: item.customer_name || "Anonymous visitor",
      waiting: formatWaiting(item.waiting_seconds),
      since: item.waiting_since,
      reason: item.escalation_reason || "No reason given",
      preview: item.last_customer_message || "",
      handler: item.assigned_agent ? `With ${item.assigned_agent}` : STATUS_LABEL[item.status] || item.status,
    };
  }

  function renderQueue(entries) {
    const focused = document.activeElement && document.activeElement.closest(".queue-item");
    const focusedId = focused && dom.queue.contains(focused) ? focused.dataset.conversationId : null;
    dom.queue.replaceChildren(...entries.map(createQueueItem));
    dom.queueEmpty.hidden = entries.length > 0;
    dom.queueCount.textContent = entries.length ? `(${entries.length})` : "";
    document.title = entries.length ? `(${entries.length}) ${PAGE_TITLE}` : PAGE_TITLE;
    markSelected();
    const refocus = focusedId && findQueueItem(focusedId);
    if (refocus) refocus.querySelector("button").focus();
  }

  function createQueueItem(entry) {
    const item = el("li", "queue-item");
    item.dataset.conversationId = entry.id;
    item.dataset.status = entry.status;
    const button = el("button", "queue-open");
    button.type = "button";
    const top = el("span", "queue-top");
    const waiting = el("span", "waiting", entry.waiting);
    const since = parseDate(entry.since);
    if (since) waiting.title = `Waiting since ${since.toLocaleString()}`;
    top.append(el("span", "customer-name", entry.name), waiting);
    button.append(top, el("span", "reason", entry.reason));
    if (entry.preview) button.append(el("span", "preview", entry.preview));
    button.append(el("span", "handler", entry.handler));
    item.append(button);
    return item;
  }

  function findQueueItem(id) {
    return Array.prototype.find.call(dom.queue.children, (item) => item.dataset.conversationId === id) || null;
  }

  function markSelected() {
    for (const item of dom.queue.children) {
      const button = item.querySelector("button");
      if (item.dataset.conversationId === state.openId) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    }
  }

  // ---- Conversation view -------------------------------------------------------------

  function openConversation(id) {
    if (state.openId === id) return;
    closeConversation();
    hideNotice();
    state.openId = id;
    dom.noConversation.hidden = true;
    dom.conversationView.hidden = false;
    markSelected();
    loadConversation();
    state.conversationTimer = window.setInterval(pollConversation, CONVERSATION_REFRESH_MS);
  }

  function closeConversation() {
    window.clearInterval(state.conversationTimer);
    state.conversationTimer = 0;
    state.openId = null;
    state.conversation = null;
    state.draft = null;
    state.rendered.clear();
    dom.conversationTitle.textContent = "";
    dom.conversationMeta.textContent = "";
    dom.agentMessages.replaceChildren();
    dom.customerDetails.replaceChildren();
    dom.sourcesDetails.replaceChildren();
    renderDraft({ draft: null, asked: false });
    dom.replyInput.value = "";
    dom.approve.checked = false;
    dom.conversationView.hidden = true;
    dom.noConversation.hidden = false;
    markSelected();
    updateControls();
  }

  async function loadConversation() {
    const id = state.openId;
    if (!id || state.loadingId === id) return;
    state.loadingId = id;
    const changes = state.changes;
    try {
      const data = await api(conversationPath(id));
      if (state.openId === id && state.changes === changes) showConversation(data);
    } catch (error) {
      if (state.openId !== id) return;
      reportError("The conversation could not be loaded", error);
      if (error.status === 404) closeConversation();
    } finally {
      if (state.loadingId === id) state.loadingId = null;
    }
  }

  function pollConversation() {
    if (!document.hidden) loadConversation();
  }

  /** Show `changes` made here right away, before the next load confirms them. */
  function changeConversation(changes) {
    state.changes += 1;
    showConversation(Object.assign({}, state.conversation, changes));
  }

  /** The suggestion to show: one the agent asked for, else the reply the server withheld. */
  function currentDraft() {
    const candidates = [state.draft, state.conversation && state.conversation.draft];
    return candidates.find((draft) => draft && typeof draft.text === "string" && draft.text.trim()) || null;
  }

  /** The freshest sources: of a suggestion asked for, of the withheld reply, else of the latest reply. */
  function currentSources() {
    const conversation = state.conversation || {};
    const lists = [state.draft && state.draft.sources, conversation.draft && conversation.draft.sources, conversation.sources];
    return lists.find((sources) => Array.isArray(sources) && sources.length > 0) || [];
  }

  function showConversation(data) {
    // Parts above and below the messages change height too: keep the newest message in view.
    const stick = dom.agentMessages.childElementCount === 0 || isNearBottom(dom.agentMessages);
    state.conversation = data;
    const customer = data.customer || null;
    const customerName = customer && customer.name ? customer.name : null;
    renderPart("header", {
      name: customerName || "Anonymous visitor",
      status: data.status,
      reason: data.escalation_reason || null,
      since: data.waiting_since || null,
    }, renderHeader);
    renderPart("messages", { messages: Array.isArray(data.messages) ? data.messages : [], customerName }, renderMessages);
    renderPart("customer", customer, renderCustomer);
    renderPart("sources", currentSources(), renderSources);
    renderPart("draft", { draft: currentDraft(), asked: state.draft !== null }, renderDraft);
    updateControls();
    if (stick) dom.agentMessages.scrollTop = dom.agentMessages.scrollHeight;
  }

  /** Re-render a part of the view only when its data changed, so polling keeps scroll and selections. */
  function renderPart(part, value, render) {
    const json = JSON.stringify(value);
    if (state.rendered.get(part) === json) return;
    state.rendered.set(part, json);
    render(value);
  }

  function renderHeader(header) {
    dom.conversationTitle.textContent = header.name;
    dom.conversationView.dataset.status = header.status;
    const parts = [STATUS_LABEL[header.status] || header.status];
    if (header.reason) parts.push(`Reason: ${header.reason}`);
    const since = parseDate(header.since);
    if (since) parts.push(`waiting since ${since.toLocaleString(undefined, { timeStyle: "short" })}`);
    dom.conversationMeta.textContent = parts.join(" · ");
  }

  function renderMessages({ messages, customerName }) {
    dom.agentMessages.replaceChildren(...messages.map((message) => createMessageElement(message, customerName)));
  }

  function createMessageElement(message, customerName) {
    const role = Object.prototype.hasOwnProperty.call(SENDER_LABEL, message.role) ? message.role : "system";
    const item = el("div", `message ${role}`);
    if (message.id) item.dataset.messageId = message.id;

    const meta = el("div", "message-meta");
    meta.append(el("span", "message-sender", senderName(message, role, customerName)));
    const time = timeElement(message.created_at, { timeStyle: "short" });
    if (time) meta.append(time);

    const text = typeof message.text === "string" ? message.text : "";
    const bubble = el("div", role === "bot" || role === "agent" ? "bubble markdown" : "bubble");
    if (role === "bot" || role === "agent") renderMarkdown(bubble, text);
    else bubble.textContent = text;

    item.append(meta, bubble);
    if (message.escalated) {
      const reason = message.escalation_reason ? `: ${message.escalation_reason}` : "";
      item.append(el("p", "escalation-notice", `Handed to a person${reason}`));
    }
    return item;
  }

  function senderName(message, role, customerName) {
    if (role === "customer" && customerName) return customerName;
    if (role === "agent" && message.author) return message.author;
    return SENDER_LABEL[role];
  }

  function renderCustomer(customer) {
    if (!customer) {
      dom.customerDetails.replaceChildren(
        el("p", "panel-empty", "Anonymous visitor: no customer account is linked to this chat."),
      );
      return;
    }
    const facts = customer.facts && typeof customer.facts === "object" ? Object.entries(customer.facts) : [];
    const orders = Array.isArray(customer.orders) ? customer.orders : [];
    dom.customerDetails.replaceChildren(
      definitionList([
        ["Name", customer.name],
        ["Email", customer.email],
        ["Customer ID", customer.external_id],
        ...facts.map(([key, value]) => [key.replace(/_/g, " "), value]),
      ]),
      el("h3", "panel-subtitle", "Orders"),
      orders.length ? list("orders", orders.map(createOrderItem)) : el("p", "panel-empty", "No orders on file."),
    );
  }

  function definitionList(rows) {
    const dl = el("dl", "facts");
    for (const [label, value] of rows) {
      if (value === null || value === undefined || value === "") continue;
      dl.append(el("dt", "", label), el("dd", "", value));
    }
    return dl;
  }

  function createOrderItem(order) {
    const item = el("li", "order");
    const top = el("div", "order-top");
    top.append(el("strong", "", `#${order.order_number}`), el("span", "badge", order.status));
    const placed = parseDate(order.placed_at);
    const details = [formatMoney(order.total, order.currency), placed ? placed.toLocaleDateString() : ""];
    item.append(top, el("div", "order-meta", details.filter(Boolean).join(" · ")));
    const products = Array.isArray(order.items) ? order.items : [];
    if (products.length) item.append(list("order-items", products.map((product) => el("li", "", product))));
    return item;
  }

  function renderSources(sources) {
    const valid = sources.filter((source) => source && typeof source === "object");
    const groups = SOURCE_GROUPS
      .map((group) => ({ title: group.title, items: valid.filter((source) => source.type === group.type) }))
      .filter((group) => group.items.length > 0);
    if (groups.length === 0) {
      dom.sourcesDetails.replaceChildren(el("p", "panel-empty", "No sources for the latest reply."));
      return;
    }
    dom.sourcesDetails.replaceChildren(...groups.flatMap((group) => [
      el("h3", "panel-subtitle", group.title),
      list("source-list", group.items.map(createSourceItem)),
    ]));
  }

  function createSourceItem(source) {
    const item = el("li", `source source-${source.type}`);
    item.append(describeSource(source));
    const score = formatScore(source.score);
    if (score) item.append(el("span", "score", score));
    return item;
  }

  function describeSource(source) {
    switch (source.type) {
      case "topic":
        return el("span", "", source.label || "Unknown topic");
      case "article":
        return linkOrText(source.title || source.slug || "Untitled article", source.url);
      case "ticket":
        return el("span", "", [source.intent, source.id && `ticket ${String(source.id).slice(0, 8)}`].filter(Boolean).join(" · "));
      default:
        return el("span", "", `#${source.order_number} · ${source.status}`);
    }
  }

  /** `asked`: the agent asked for a suggestion (so an empty one says the bot had none). */
  function renderDraft({ draft, asked }) {
    const text = draft ? draft.text : "";
    dom.draftText.textContent = text;
    dom.draftText.hidden = !text;
    dom.useDraft.hidden = !text;
    dom.draftEmpty.textContent = asked ? NO_SUGGESTION_TEXT : ASK_FOR_SUGGESTION_TEXT;
    dom.draftEmpty.hidden = Boolean(text);
  }

  function updateControls() {
    const status = state.conversation ? state.conversation.status : null;
    const open = status !== null && status !== "resolved";
    dom.replyInput.disabled = !open;
    dom.send.disabled = !open || state.acting;
    dom.handBack.disabled = !open || state.acting || !HANDOFF_STATUSES.has(status);
    dom.resolve.disabled = !open || state.acting;
    dom.approve.disabled = !open || state.acting;
    dom.suggest.disabled = !open || state.drafting;
    dom.suggest.textContent = state.drafting ? "Writing…" : "Suggest reply";
  }

  // ---- Actions -----------------------------------------------------------------------

  /** Run one change request (send, hand back, resolve); its result, or null after reporting a failure. */
  async function act(failure, request) {
    if (state.acting) return null;
    state.acting = true;
    updateControls();
    clearError();
    hideNotice();
    try {
      return await request();
    } catch (error) {
      reportError(failure, error);
      return null;
    } finally {
      state.acting = false;
      updateControls();
    }
  }

  async function sendReply() {
    const id = state.openId;
    const text = dom.replyInput.value.trim();
    if (!id || !text || dom.send.disabled) return;
    const message = await act("Your reply could not be sent", () =>
      api(conversationPath(id, "/messages"), "POST", { text }));
    if (!message || state.openId !== id) return;
    if (dom.replyInput.value.trim() === text) dom.replyInput.value = "";
    changeConversation({ status: "agent", messages: (state.conversation.messages || []).concat(message) });
    refreshQueue();
  }

  async function handBack() {
    const id = state.openId;
    if (!id) return;
    const result = await act("The conversation could not be handed back", () =>
      api(conversationPath(id, "/hand-back"), "POST"));
    if (!result || state.openId !== id) return;
    showNotice("Handed back to the bot.");
    changeConversation({ status: result.status || "bot" });
    refreshQueue();
  }

  async function resolveConversation() {
    const id = state.openId;
    if (!id) return;
    const approved = dom.approve.checked;
    const result = await act("The conversation could not be resolved", () =>
      api(conversationPath(id, "/resolve"), "POST", { approved_for_training: approved }));
    if (!result || state.openId !== id) return;
    showNotice(result.approved_for_training
      ? "Resolved and saved as a solved ticket, approved for training."
      : "Resolved and saved as a solved ticket; it waits in the review list (/admin) before training.");
    changeConversation({ status: "resolved" });
    refreshQueue();
  }

  async function suggestReply() {
    const id = state.openId;
    if (!id || state.drafting) return;
    state.drafting = true;
    updateControls();
    try {
      const draft = await api(conversationPath(id, "/draft"), "POST");
      if (state.openId === id && state.conversation) {
        state.draft = draft;
        showConversation(state.conversation);
      }
    } catch (error) {
      if (state.openId === id) reportError("No reply could be suggested", error);
    } finally {
      state.drafting = false;
      updateControls();
    }
  }

  function useDraft() {
    const draft = currentDraft();
    if (!draft) return;
    const current = dom.replyInput.value.trim();
    dom.replyInput.value = current ? `${current}\n\n${draft.text}` : draft.text;
    dom.replyInput.focus();
  }

  // ---- Wiring ------------------------------------------------------------------------

  function onQueueClick(event) {
    const item = event.target.closest(".queue-item");
    if (item && dom.queue.contains(item)) openConversation(item.dataset.conversationId);
  }

  function onReplyKeyDown(event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendReply();
    }
  }

  function init() {
    const byId = (id) => document.getElementById(id);
    Object.assign(dom, {
      agentName: byId("agent-name"),
      signOut: byId("sign-out"),
      error: byId("agent-error"),
      errorText: byId("agent-error-text"),
      errorDismiss: byId("agent-error-dismiss"),
      notice: byId("agent-notice"),
      signIn: byId("sign-in"),
      keyInput: byId("agent-key-input"),
      signInButton: byId("agent-sign-in"),
      inbox: byId("inbox"),
      queue: byId("queue"),
      queueCount: byId("queue-count"),
      queueEmpty: byId("queue-empty"),
      noConversation: byId("no-conversation"),
      conversationView: byId("conversation-view"),
      conversationTitle: byId("conversation-title"),
      conversationMeta: byId("conversation-meta"),
      handBack: byId("hand-back"),
      approve: byId("approve-for-training"),
      resolve: byId("resolve"),
      agentMessages: byId("agent-messages"),
      draftText: byId("draft-text"),
      draftEmpty: byId("draft-empty"),
      useDraft: byId("use-draft"),
      suggest: byId("suggest-reply"),
      composer: byId("agent-composer"),
      replyInput: byId("agent-reply-input"),
      send: byId("agent-send"),
      customerDetails: byId("customer-details"),
      sourcesDetails: byId("sources-details"),
    });

    setUpMarkdown();

    dom.signIn.addEventListener("submit", onSignInSubmit);
    dom.signOut.addEventListener("click", () => signOut());
    dom.errorDismiss.addEventListener("click", clearError);
    dom.queue.addEventListener("click", onQueueClick);
    dom.composer.addEventListener("submit", (event) => {
      event.preventDefault();
      sendReply();
    });
    dom.replyInput.addEventListener("keydown", onReplyKeyDown);
    dom.handBack.addEventListener("click", handBack);
    dom.resolve.addEventListener("click", resolveConversation);
    dom.suggest.addEventListener("click", suggestReply);
    dom.useDraft.addEventListener("click", useDraft);

    updateControls();
    const key = loadKey();
    if (key) signIn(key);
    else signOut();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
