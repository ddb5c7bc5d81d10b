/*
 * Helpers shared by the customer chat page (app.js), the website widget (widget.js) and the
 * agents' inbox (agent.js): API errors, JSON requests, sanitised markdown and safe links.
 * Plain browser JavaScript, no build step; everything is exposed as SupportbotCommon on
 * window, or, inside the widget's bundle, on its own SUPPORTBOT_ROOT object, so that the
 * widget adds nothing to the page it is embedded in.
 *
 * Safety rule (both pages): text from the server or a user only reaches the DOM through
 * textContent, except markdown, which renderMarkdown passes through
 * DOMPurify.sanitize(marked.parse(text)) before it is assigned to innerHTML, and links,
 * whose href must be an http(s) URL (relative ones included; see safeLinkUrl).
 */
"use strict";

(function (root) {
root.SupportbotCommon = (function () {
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

  // ---- API errors and requests -------------------------------------------------------

  class ApiError extends Error {
    constructor(message, status) {
      super(message);
      this.name = "ApiError";
      this.status = status;
    }
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

  /** fetch(), with network failures and non-2xx answers turned into ApiError. */
  async function fetchChecked(url, options) {
    let response;
    try {
      response = await fetch(url, options);
    } catch (error) {
      throw networkError(error);
    }
    if (!response.ok) throw await errorFromResponse(response);
    return response;
  }

  async function requestJson(url, options) {
    const response = await fetchChecked(url, options);
    return response.json();
  }

  // ---- Markdown and links ------------------------------------------------------------

  let markdownReady = false;

  function setUpMarkdown() {
    if (markdownReady || !root.marked || !root.DOMPurify || !root.DOMPurify.isSupported) return;
    root.marked.use({ gfm: true, breaks: true });
    root.DOMPurify.addHook("afterSanitizeAttributes", (node) => {
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
    target.innerHTML = root.DOMPurify.sanitize(root.marked.parse(text), SANITIZE_CONFIG);
  }

  /** `url` resolved against the page if it is http(s) (absolute or relative); otherwise null. */
  function safeLinkUrl(url) {
    if (typeof url !== "string" || url.trim() === "") return null;
    try {
      const resolved = new URL(url.trim(), window.location.href);
      return resolved.protocol === "http:" || resolved.protocol === "https:" ? resolved.href : null;
    } catch (_error) {
      return null;
    }
  }

  /** A link opening in a new tab when `url` is safe, else a plain span with the same text. */
  function linkOrText(text, url) {
    const href = safeLinkUrl(url);
    const element = document.createElement(href ? "a" : "span");
    element.textContent = text;
    if (href) {
      element.href = href;
      element.target = "_blank";
      element.rel = "noopener noreferrer";
    }
    return element;
  }

  // ---- Banners -------------------------------------------------------------------------

  /** Show `message` in a banner (`box` holds it, `textEl` gets the text; both may be one node). */
  function showBanner(box, textEl, message) {
    textEl.textContent = message;
    box.hidden = false;
  }

  function hideBanner(box, textEl) {
    box.hidden = true;
    textEl.textContent = "";
  }

  return Object.freeze({
    showBanner,
    hideBanner,
    ApiError,
    formatDetail,
    errorFromResponse,
    networkError,
    fetchChecked,
    requestJson,
    setUpMarkdown,
    renderMarkdown,
    linkOrText,
  });
})();
})(typeof SUPPORTBOT_ROOT !== "undefined" ? SUPPORTBOT_ROOT : window);
