/*
 * The admin page (/admin): review solved conversations, start and follow retraining runs, see
 * the adapters with their metrics, roll back. Plain browser JavaScript over /api/admin/*,
 * with an admin agent's key kept in sessionStorage. Server text reaches the DOM only through
 * textContent (or a textarea's value).
 */
"use strict";

(function () {
  const { requestJson, showBanner, hideBanner } = window.SupportbotCommon;
  const KEY_STORAGE = "supportbot.admin-key";
  const POLL_MS = 2000;
  const byId = (id) => document.getElementById(id);
  let pollTimer = null;

  const key = () => window.sessionStorage.getItem(KEY_STORAGE);

  function api(path, options = {}) {
    const headers = { Authorization: `Bearer ${key()}`, ...(options.headers || {}) };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    return requestJson(path, { ...options, headers });
  }

  function showError(error) {
    showBanner(byId("admin-error"), byId("admin-error-text"), error.message || String(error));
    if (error.status === 401 || error.status === 403) signOut();
  }

  function cell(row, text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function button(label, onClick, kind = "button-secondary") {
    const element = document.createElement("button");
    element.type = "button";
    element.className = `button ${kind}`;
    element.textContent = label;
    element.addEventListener("click", () => onClick().catch(showError));
    return element;
  }

  const percent = (value) => (typeof value === "number" ? `${(value * 100).toFixed(1)} %` : "-");

  // ---- Review list -----------------------------------------------------------------------

  function reviewItem(ticket) {
    const item = document.createElement("li");
    item.className = "review-item";
    item.dataset.ticketId = ticket.id;
    const request = document.createElement("p");
    request.className = "request";
    request.textContent = ticket.customer_text;
    const columns = document.createElement("div");
    columns.className = "columns";
    const agentColumn = document.createElement("div");
    const agentTitle = document.createElement("h3");
    agentTitle.textContent = "Agent's reply (edit before approving)";
    const reply = document.createElement("textarea");
    reply.value = ticket.reply;
    reply.setAttribute("aria-label", "Agent's reply");
    agentColumn.append(agentTitle, reply);
    const draftColumn = document.createElement("div");
    const draftTitle = document.createElement("h3");
    draftTitle.textContent = "Bot's draft";
    const draft = document.createElement("p");
    draft.className = "draft";
    draft.textContent = ticket.bot_draft || "(the bot did not reply)";
    draftColumn.append(draftTitle, draft);
    columns.append(agentColumn, draftColumn);
    const actions = document.createElement("div");
    actions.className = "actions";
    actions.append(
      button("Approve", async () => {
        const edited = reply.value.trim() !== ticket.reply.trim() ? { reply: reply.value } : {};
        await api(`/api/admin/review/${ticket.id}/approve`, {
          method: "POST",
          body: JSON.stringify(edited),
        });
        await refreshReview();
      }, "button-primary"),
      button("Reject", async () => {
        await api(`/api/admin/review/${ticket.id}/reject`, { method: "POST" });
        await refreshReview();
      }),
    );
    item.append(request, columns, actions);
    return item;
  }

  async function refreshReview() {
    const review = await api("/api/admin/review?limit=50");
    byId("review-count").textContent = String(review.pending);
    byId("review-list").replaceChildren(...review.tickets.map(reviewItem));
    byId("review-empty").hidden = review.tickets.length > 0;
  }

  // ---- Retraining runs -------------------------------------------------------------------

  function progressText(run) {
    const p = run.progress || {};
    if (run.status === "running" && p.phase === "training" && p.max_steps) {
      const loss = typeof p.loss === "number" ? ` · loss ${p.loss.toFixed(3)}` : "";
      const eta = typeof p.eta_seconds === "number" ? ` · ETA ${p.eta_seconds} s` : "";
      return `step ${p.step}/${p.max_steps}${loss}${eta}`;
    }
    if (run.status === "running" || run.status === "queued") return p.phase || run.status;
    return p.max_steps ? `${p.step || 0}/${p.max_steps} steps` : "";
  }

  function runRow(run) {
    const row = document.createElement("tr");
    row.dataset.runId = String(run.id);
    row.dataset.status = run.status;
    cell(row, `#${run.id} (${run.trigger})`);
    cell(row, run.status, "run-status");
    cell(row, progressText(run), "run-progress");
    cell(row, `${run.new_tickets} new, ${run.replay_tickets} replayed`);
    cell(row, run.verdict, "run-verdict");
    const actions = cell(row, "");
    if (run.status === "queued" || run.status === "running") {
      actions.appendChild(button("Cancel", async () => {
        await api(`/api/admin/retrain/runs/${run.id}/cancel`, { method: "POST" });
        await refreshRuns();
      }));
    }
    return row;
  }

  async function refreshRuns() {
    const runs = await api("/api/admin/retrain/runs?limit=20");
    byId("runs").replaceChildren(...runs.map(runRow));
    const active = runs.some((run) => run.status === "queued" || run.status === "running");
    byId("retrain-start").disabled = active;
    return active;
  }

  // ---- Adapters and their metric history --------------------------------------------------

  const onIntent = (adapter) => {
    const metrics = adapter.metrics || {};
    const variant = metrics.served_variant || "both";
    const value = ((metrics.variants || {})[variant] || {}).on_intent;
    return typeof value === "number" ? value : null;
  };

  function drawChart(adapters) {
    const svg = byId("metric-chart");
    const ns = "http://www.w3.org/2000/svg";
    const points = adapters
      .slice()
      .reverse()
      .map((adapter) => ({ version: adapter.version, value: onIntent(adapter) }))
      .filter((point) => point.value !== null);
    svg.replaceChildren();
    if (points.length === 0) return;
    const x = (i) => 40 + (points.length === 1 ? 260 : (i * 520) / (points.length - 1));
    const y = (value) => 140 - value * 120;
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", points.map((p, i) => `${x(i)},${y(p.value)}`).join(" "));
    svg.appendChild(line);
    points.forEach((point, i) => {
      const dot = document.createElementNS(ns, "circle");
      dot.setAttribute("cx", String(x(i)));
      dot.setAttribute("cy", String(y(point.value)));
      dot.setAttribute("r", "4");
      const title = document.createElementNS(ns, "title");
      title.textContent = `${point.version}: ${percent(point.value)}`;
      dot.appendChild(title);
      const label = document.createElementNS(ns, "text");
      label.setAttribute("x", String(x(i) - 14));
      label.setAttribute("y", String(y(point.value) - 8));
      label.textContent = percent(point.value);
      svg.append(dot, label);
    });
  }

  async function refreshAdapters() {
    const registry = await api("/api/admin/adapters");
    byId("adapters").replaceChildren(
      ...registry.adapters.map((adapter) => {
        const row = document.createElement("tr");
        cell(row, adapter.serving ? `${adapter.version} (serving)` : adapter.version,
          adapter.serving ? "serving" : "");
        cell(row, percent(onIntent(adapter)));
        const method = adapter.hyperparameters.method === "full" ? "full fine-tuning" : "LoRA";
        cell(row, `${adapter.train_tickets} tickets, ${method}`);
        cell(row, new Date(adapter.created_at).toLocaleString());
        const actions = cell(row, "");
        if (!adapter.serving) {
          actions.appendChild(button("Promote", async () => {
            await api(`/api/admin/adapters/${encodeURIComponent(adapter.version)}/promote`, {
              method: "POST",
            });
            await refreshAdapters();
          }));
        }
        return row;
      }),
    );
    drawChart(registry.adapters);
  }

  // ---- Page ------------------------------------------------------------------------------

  async function poll() {
    try {
      const active = await refreshRuns();
      if (!active) await refreshAdapters();
    } catch (error) {
      showError(error);
    }
  }

  async function start() {
    byId("sign-in").hidden = true;
    byId("admin").hidden = false;
    byId("sign-out").hidden = false;
    await Promise.all([refreshReview(), refreshRuns(), refreshAdapters()]);
    pollTimer = window.setInterval(poll, POLL_MS);
  }

  function signOut() {
    window.sessionStorage.removeItem(KEY_STORAGE);
    window.clearInterval(pollTimer);
    byId("admin").hidden = true;
    byId("sign-out").hidden = true;
    byId("sign-in").hidden = false;
  }

  document.addEventListener("DOMContentLoaded", () => {
    byId("admin-error-dismiss").addEventListener("click", () =>
      hideBanner(byId("admin-error"), byId("admin-error-text")));
    byId("sign-out").addEventListener("click", signOut);
    byId("sign-in").addEventListener("submit", (event) => {
      event.preventDefault();
      window.sessionStorage.setItem(KEY_STORAGE, byId("admin-key-input").value.trim());
      start().catch(showError);
    });
    byId("retrain-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const body = JSON.stringify({ fresh: byId("retrain-fresh").checked });
      api("/api/admin/retrain", { method: "POST", body }).then(refreshRuns).catch(showError);
    });
    byId("rollback").addEventListener("click", () =>
      api("/api/admin/adapters/rollback", { method: "POST" }).then(refreshAdapters).catch(showError));
    if (key()) start().catch(showError);
    else byId("sign-in").hidden = false;
  });
})();
