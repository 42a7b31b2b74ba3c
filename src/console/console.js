// The console acts only through the public API with the person's token: every rule and role
// check stays in the API. Amounts and percentages are shown as the API gives them, never
// computed here.
"use strict";

const $ = (id) => document.getElementById(id);

const PAGES = ["sign-in-page", "month-page", "credits-page", "credit-page", "customer-page",
  "incidents-page", "incident-page"];
const SEVERITIES = ["major_outage", "partial_outage", "degraded_performance", "maintenance"];
const STATUSES = ["investigating", "identified", "monitoring", "resolved", "postmortem"];

function claims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part));
  } catch (_) {
    return null;
  }
}

function role() {
  const c = claims(sessionStorage.getItem("token") || "");
  return c && c.role;
}

// Whether the person's role is one of `roles` (space separated), as the API's route table says.
function may(roles) {
  return roles.split(" ").includes(role());
}

function say(text) {
  $("message").textContent = text;
}

// A failed call's message, unless the call signed the person out (that says why itself).
function report(e) {
  if (e.message !== "signed out") say(e.message);
}

function signOut(why) {
  sessionStorage.removeItem("token");
  say(why || "");
  show();
}

// A call with the person's token; problems become errors naming the field the API names.
async function call(path, options = {}) {
  const token = sessionStorage.getItem("token");
  if (!token) throw new Error("signed out");
  const headers = { Authorization: "Bearer " + token, "Content-Type": "application/json" };
  // A write carries a key of its own, so a retried request is answered, not done twice.
  if (options.method && options.method !== "GET") headers["Idempotency-Key"] = newKey();
  const response = await fetch(path, { ...options, headers });
  // Signed out (or in as someone else) while the call was on its way: its answer is stale.
  if (sessionStorage.getItem("token") !== token) throw new Error("signed out");
  if (response.status === 401) {
    signOut("Your sign-in has ended; sign in again.");
    throw new Error("signed out");
  }
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    const error = new Error((body && (body.field ? body.field + ": " : "") + body.detail) || response.statusText);
    error.field = body && body.field;
    error.detail = body && body.detail;
    throw error;
  }
  return response;
}

// 128 random bits in hex (crypto.randomUUID needs HTTPS or localhost; this does not).
function newKey() {
  return [...crypto.getRandomValues(new Uint8Array(16))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function api(path, options = {}) {
  const response = await call(path, options);
  return response.status === 204 ? null : response.json();
}

function post(path, body) {
  return api(path, { method: "POST", body: JSON.stringify(body) });
}

// A report saved under the name the API gives it.
async function download(path) {
  const response = await call(path);
  const name = (response.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
  const file = name ? name[1] : "report.csv";
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = file;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  say("Downloaded " + file + ".");
}

// A problem the API names a field for is shown next to that field; others above the page.
function reportAt(fields, e) {
  clearErrors(fields);
  const id = e.field && fields[e.field];
  if (id) $(id).textContent = e.detail;
  else report(e);
}

function clearErrors(fields) {
  for (const id of Object.values(fields)) $(id).textContent = "";
}

function lastMonth() {
  const now = new Date();
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}

function item(...children) {
  const li = document.createElement("li");
  li.append(...children);
  return li;
}

function list(id, lines) {
  $(id).replaceChildren(...lines.map((text) => item(text)));
}

function link(href, text) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  return a;
}

function links(id, items) {
  $(id).replaceChildren(...items.map(([href, text]) => item(link(href, text))));
}

// An instant in the browser's zone, with UTC on hover.
function when(instant) {
  const t = document.createElement("time");
  t.dateTime = instant;
  t.title = instant;
  t.textContent = new Date(instant).toLocaleString();
  return t;
}

function money(m) {
  return m.amount + " " + m.currency;
}

function words(s) {
  return s.replace(/_/g, " ");
}

// Fills a list with `values`, keeping the choice made if it is still there.
function options(select, values, labels = words) {
  const chosen = select.value;
  select.replaceChildren(...values.map((v) => {
    const o = document.createElement("option");
    o.value = v;
    o.textContent = labels(v);
    return o;
  }));
  if (values.includes(chosen)) select.value = chosen;
}

// The month

async function showMonth() {
  const period = $("period").value;
  const q = "period=" + encodeURIComponent(period);
  const runs = await api("/v1/credit-runs?" + q + "&limit=500");
  const run = runs.items[runs.items.length - 1];
  if (!run) {
    $("run-state").textContent = "No credit run yet for " + period + ".";
    list("totals", []);
  } else {
    $("run-state").replaceChildren("Run " + run.id + " " + run.state + ", started by " + run.started_by + " ",
      when(run.started_at), ...(run.finished_at ? [", finished ", when(run.finished_at)] : []),
      " (" + run.progress.done + " of " + run.progress.total + " subscriptions).");
    list("totals", Object.entries(run.totals).map(([currency, amount]) => amount + " " + currency));
  }
  const credits = await api("/v1/credits?" + q + "&limit=500");
  const counts = {};
  for (const c of credits.items) counts[c.status] = (counts[c.status] || 0) + 1;
  list("counts", Object.entries(counts).sort().map(([status, n]) => status + ": " + n));
  links("credits", credits.items.map((c) => [
    "#credit/" + c.id,
    "Credit " + c.id + ": " + c.customer + ", " + money(c.amount) + " (" + c.kind + ", " + c.status + ")",
  ]));
  const exposure = await api("/v1/exposure?" + q + "&limit=20");
  list("exposure-totals", exposure.totals.map((t) =>
    "Total " + t.owed + " " + t.currency + " for " + t.subscriptions + " subscriptions"));
  list("exposure", exposure.items.map((e) =>
    e.customer + " (" + e.plan + "): " + money(e.owed) + ", uptime " +
    e.uptime_percent + " %, " + e.budget_headroom.minutes + " minutes to the target"));
}

async function act(work) {
  try {
    await work();
    await showMonth();
  } catch (e) {
    report(e);
  }
}

async function waitForRun(run) {
  while (run.state === "running") {
    await new Promise((resolve) => setTimeout(resolve, 250));
    run = await api("/v1/credit-runs/" + run.id);
  }
  say("Credit run " + run.id + " " + run.state + ".");
}

$("period-form").addEventListener("submit", (event) => {
  event.preventDefault();
  showMonth().catch(report);
});
$("preview").addEventListener("click", () => act(async () => {
  const p = await api("/v1/credit-runs", {
    method: "POST",
    body: JSON.stringify({ period: $("period").value, dry_run: true }),
  });
  const totals = Object.entries(p.totals).map(([currency, amount]) => amount + " " + currency);
  $("preview-result").hidden = false;
  $("preview-result").textContent = "A run now would evaluate " + p.subscriptions_evaluated +
    " subscriptions: " + p.created + " new credits, " + p.unchanged + " unchanged, " +
    p.superseded + " superseded, " + p.adjusted + " adjustments; totals " +
    (totals.join(", ") || "none") + ".";
}));
$("run").addEventListener("click", () => act(async () => {
  await waitForRun(await post("/v1/credit-runs", { period: $("period").value }));
}));
$("approve").addEventListener("click", () => act(async () => {
  const approved = await post("/v1/credits/approve", { period: $("period").value });
  say("Approved " + approved.approved + " credits.");
}));
for (const [button, path] of [["download-credits", "credits.csv?"],
  ["download-balance", "credits.csv?format=balance&"], ["download-statements", "statements.csv?"]]) {
  $(button).addEventListener("click", () =>
    download("/v1/reports/" + path + "period=" + encodeURIComponent($("period").value)).catch(report));
}

// Credits

const FILTER_ERRORS = { period: "filter-period-error" };
// The roles that may move credits, and so select them.
const PICKERS = $("select-all").dataset.roles;
let creditsNext = null;

function creditsQuery() {
  const q = new URLSearchParams({ limit: "100" });
  for (const [name, id] of [["period", "filter-period"], ["status", "filter-status"],
    ["kind", "filter-kind"], ["customer", "filter-customer"]]) {
    if ($(id).value.trim()) q.set(name, $(id).value.trim());
  }
  return q;
}

async function showCredits(more) {
  const q = creditsQuery();
  if (more && creditsNext) q.set("cursor", creditsNext);
  const page = await api("/v1/credits?" + q);
  clearErrors(FILTER_ERRORS);
  const rows = page.items.map((c) => {
    const tr = document.createElement("tr");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = c.id;
    box.className = "pick";
    box.setAttribute("aria-label", "Select credit " + c.id + " (" + c.customer + ")");
    box.hidden = !may(PICKERS);
    const cells = [box, link("#credit/" + c.id, String(c.id)), link("#customer/" + encodeURIComponent(c.customer), c.customer),
      c.period, c.kind, c.status, money(c.amount)];
    tr.append(...cells.map((content) => {
      const td = document.createElement("td");
      td.append(content);
      return td;
    }));
    tr.dataset.customer = c.customer;
    return tr;
  });
  if (more) $("credit-rows").append(...rows);
  else $("credit-rows").replaceChildren(...rows);
  $("select-all").checked = false;
  creditsNext = page.next_cursor;
  $("more-credits").hidden = !creditsNext;
  $("credit-count").textContent = "Credits (" + $("credit-rows").children.length + " shown)";
}

function selected() {
  return [...document.querySelectorAll("#credit-rows .pick:checked")].map((b) => Number(b.value));
}

// Runs `work` on the selected credits; asks for a selection first.
async function onSelected(work) {
  const ids = selected();
  if (ids.length === 0) {
    say("Select at least one credit first.");
    return;
  }
  await work(ids);
  await showCredits(false);
}

$("credit-filters").addEventListener("submit", (event) => {
  event.preventDefault();
  showCredits(false).catch((e) => reportAt(FILTER_ERRORS, e));
});
$("more-credits").addEventListener("click", () => showCredits(true).catch(report));
$("select-all").addEventListener("change", () => {
  for (const box of document.querySelectorAll("#credit-rows .pick")) box.checked = $("select-all").checked;
});
$("approve-selected").addEventListener("click", () => onSelected(async (ids) => {
  const approved = await post("/v1/credits/approve", { ids });
  say("Approved " + approved.approved + " credits.");
}).catch(report));
$("void-selected-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const errors = { reason: "void-selected-reason-error" };
  onSelected(async (ids) => {
    const voided = await post("/v1/credits/void", { ids, reason: $("void-selected-reason").value });
    clearErrors(errors);
    $("void-selected-reason").value = "";
    say("Voided " + voided.voided + " credits.");
  }).catch((e) => reportAt(errors, e));
});
// The API applies one credit at a time: the selected ones in turn, stopping at the first problem.
$("apply-selected-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const errors = { billing_reference: "apply-selected-reference-error" };
  onSelected(async (ids) => {
    for (const id of ids) {
      await post("/v1/credits/" + id + "/apply", { billing_reference: $("apply-selected-reference").value });
    }
    clearErrors(errors);
    say("Marked " + ids.length + " credits applied.");
  }).catch((e) => reportAt(errors, e));
});
$("manual-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const errors = {
    subscription_id: "manual-subscription-error", period: "manual-period-error",
    reason: "manual-reason-error", percent: "manual-percent-error", amount: "manual-amount-error",
    currency: "manual-amount-error",
  };
  const body = {
    subscription_id: Number($("manual-subscription").value),
    period: $("manual-period").value,
    reason: $("manual-reason").value,
  };
  if ($("manual-percent").value.trim()) body.percent = $("manual-percent").value.trim();
  if ($("manual-amount").value.trim()) {
    body.amount = { amount: $("manual-amount").value.trim(), currency: $("manual-currency").value.trim() };
  }
  post("/v1/credits", body).then((credit) => {
    clearErrors(errors);
    say("Credit " + credit.id + " added: " + money(credit.amount) + " for " + credit.customer + ".");
    return showCredits(false);
  }).catch((e) => reportAt(errors, e));
});

// A credit

async function showCredit(id) {
  const [credit, why] = await Promise.all([
    api("/v1/credits/" + encodeURIComponent(id)),
    api("/v1/credits/" + encodeURIComponent(id) + "/explanation"),
  ]);
  $("credit-title").textContent = "Credit " + credit.id + ": " + credit.customer + ", " + credit.period;
  $("credit-customer").textContent = "Customer " + credit.customer;
  $("credit-customer").href = "#customer/" + encodeURIComponent(credit.customer);
  const s = why.statement;
  const figures = [["Status", credit.status], ["Kind", credit.kind], ["Amount", money(credit.amount)]];
  if (credit.billing_reference) figures.push(["Billing reference", credit.billing_reference]);
  if (credit.void_reason) figures.push(["Void reason", credit.void_reason]);
  const rule = why.explanation && why.explanation.credit_percent;
  if (rule && rule.rule === "tier") {
    figures.push(["Tier", "uptime below " + rule.below_percent + " %: " + rule.tier_credit_percent + " % of the fee"]);
  } else if (rule) {
    figures.push(["Tier", { no_tier: "none reached", proportional: "proportional to the shortfall", no_eligible_time: "no eligible time" }[rule.rule] || rule.rule]);
  }
  if (s) {
    figures.push(
      ["Eligible minutes", s.eligible_minutes], ["Impacted minutes", s.impacted_minutes],
      ["Downtime minutes", s.downtime_minutes], ["Uptime", s.uptime_percent + " %"],
      ["Credit percent", s.credit_percent + " %"], ["Fee", money(s.fee)],
      ["Statement amount", money(s.amount)]);
  }
  $("credit-figures").replaceChildren(...figures.flatMap(([name, value]) => {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = value;
    return [dt, dd];
  }));
  list("credit-summary", why.summary);
  $("credit-history").replaceChildren(...credit.history.map((h) =>
    item(when(h.at), ": " + h.action + " by " + h.actor)));
}

function creditId() {
  const m = location.hash.match(/^#credit\/(\d+)$/);
  return m && m[1];
}

async function move(action, body) {
  const id = creditId();
  const credit = await post("/v1/credits/" + id + "/" + action, body);
  say("Credit " + credit.id + " is " + credit.status + ".");
  for (const error of document.querySelectorAll("#credit-page .error")) error.textContent = "";
  await showCredit(id);
}

$("credit-approve").addEventListener("click", () => move("approve", {}).catch(report));
$("void-form").addEventListener("submit", (event) => {
  event.preventDefault();
  move("void", { reason: $("void-reason").value })
    .catch((e) => reportAt({ reason: "void-reason-error" }, e));
});
$("apply-form").addEventListener("submit", (event) => {
  event.preventDefault();
  move("apply", { billing_reference: $("billing-reference").value })
    .catch((e) => reportAt({ billing_reference: "billing-reference-error" }, e));
});

// A customer

// The period `back` months before `period` (YYYY-MM).
function monthsBefore(period, back) {
  const [y, m] = period.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1 - back, 1)).toISOString().slice(0, 7);
}

async function showCustomer(id) {
  const path = "/v1/customers/" + encodeURIComponent(id);
  const [customer, subscriptions, credits] = await Promise.all([
    api(path),
    api(path + "/subscriptions?limit=500"),
    api("/v1/credits?customer=" + encodeURIComponent(id) + "&limit=500"),
  ]);
  $("customer-title").textContent = customer.name + " (" + customer.external_id +
    (customer.region ? ", " + customer.region : "") + ")";
  $("customer-subscriptions").replaceChildren(...subscriptions.items.map((s) =>
    item("Subscription " + s.id + ": " + s.plan + " from ", when(s.start), ...(s.end ? [" to ", when(s.end)] : []))));
  const last = $("period").value || lastMonth();
  const periods = [0, 1, 2].map((back) => monthsBefore(last, back));
  const statements = await Promise.all(periods.map((p) => api(path + "/statement?period=" + p)));
  list("customer-statements", statements.flatMap((st) => st.subscriptions.length === 0
    ? [st.period + ": no subscription active"]
    : st.subscriptions.map((s) =>
      st.period + ", " + s.plan + ": uptime " + s.uptime_percent + " %, downtime " + s.downtime_minutes +
      " minutes, " + money(s.amount) + (s.reason ? " (" + s.reason + ")" : ""))));
  links("customer-credits", credits.items.map((c) => [
    "#credit/" + c.id,
    c.period + ": " + money(c.amount) + " (" + c.kind + ", " + c.status + ")",
  ]));
}

// Incidents

const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

function windowLine(w) {
  const span = document.createElement("span");
  span.append(w.component + ", " + words(w.severity) + ", from ", when(w.start), " to ");
  span.append(w.end ? when(w.end) : "ongoing");
  if (w.regions.length) span.append(", regions " + w.regions.join(", "));
  if (w.customers.length) span.append(", customers " + w.customers.join(", "));
  return span;
}

function incidentLine(i) {
  const li = item(link("#incident/" + i.id, i.title), " (" + i.status + ")");
  const ul = document.createElement("ul");
  ul.append(...i.windows.map((w) => item(windowLine(w))));
  li.append(ul);
  return li;
}

async function components() {
  const page = await api("/v1/components?limit=500");
  return page.items.map((c) => c.key);
}

async function fillChoices() {
  const keys = await components();
  for (const s of document.querySelectorAll("select.components")) options(s, keys, (k) => k);
  for (const s of document.querySelectorAll("select.severities")) options(s, SEVERITIES);
  for (const s of document.querySelectorAll("select.statuses")) options(s, STATUSES);
  return keys;
}

async function showIncidents() {
  const keys = await fillChoices();
  const [ongoing, uptime] = await Promise.all([
    api("/v1/incidents?ongoing=true&limit=100"),
    Promise.all(keys.map((k) => api("/v1/components/" + encodeURIComponent(k) +
      "/uptime?days=90&timezone=" + encodeURIComponent(ZONE)))),
  ]);
  // The rest: incidents with impact since the first day the bars show, newest first.
  const from = uptime.length ? uptime[0].items[0].start : null;
  const recent = from ? await api("/v1/incidents?limit=500&from=" + encodeURIComponent(from)) : { items: [] };
  const open = new Set(ongoing.items.map((i) => i.id));
  $("ongoing-incidents").replaceChildren(...ongoing.items.map(incidentLine));
  if (ongoing.items.length === 0) list("ongoing-incidents", ["Nothing is going on."]);
  $("recent-incidents").replaceChildren(...recent.items.filter((i) => !open.has(i.id)).reverse().map(incidentLine));
  showUptime(uptime);
}

const some = (minutes) => !/^0(\.0*)?$/.test(minutes);

// A day's bar is coloured by the worst severity the API counted minutes for.
function dayClass(d) {
  const worst = SEVERITIES.find((s) => some(d.minutes[s]));
  return worst ? worst.replace(/_.*/, "") : "up";
}

function dayText(d) {
  const impact = SEVERITIES.filter((s) => some(d.minutes[s]))
    .map((s) => d.minutes[s] + " minutes " + words(s));
  return [d.label + ": " + d.uptime_percent + " % up", ...impact].join(", ");
}

function showUptime(days) {
  $("uptime").replaceChildren(...days.map((u) => {
    const figure = document.createElement("figure");
    const caption = document.createElement("figcaption");
    const impacted = u.items.filter((d) => dayClass(d) !== "up").length;
    caption.textContent = u.component + ": " + impacted + " of " + u.items.length + " days with impact";
    const bars = document.createElement("div");
    bars.className = "bars";
    bars.id = "bars-" + u.component;
    bars.append(...u.items.map((d) => {
      const bar = document.createElement("span");
      bar.className = "bar " + dayClass(d);
      bar.dataset.day = d.label;
      bar.title = dayText(d);
      bar.setAttribute("aria-label", dayText(d));
      bar.setAttribute("role", "img");
      bar.tabIndex = d === u.items[0] ? 0 : -1;
      return bar;
    }));
    bars.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      const to = step && event.target[step > 0 ? "nextElementSibling" : "previousElementSibling"];
      if (to) {
        event.target.tabIndex = -1;
        to.tabIndex = 0;
        to.focus();
      }
    });
    figure.append(caption, bars);
    return figure;
  }));
}

// Now, in RFC 3339 with the browser's offset: a start to edit.
function nowHere() {
  const d = new Date();
  const offset = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + offset * 60000).toISOString().slice(0, 19);
  const sign = offset >= 0 ? "+" : "-";
  const hh = String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0");
  const mm = String(Math.abs(offset) % 60).padStart(2, "0");
  return local + sign + hh + ":" + mm;
}

const NEW_ERRORS = {
  title: "incident-name-error", status: "incident-state-error",
  "windows[0].component": "new-component-error", "windows[0].severity": "new-severity-error",
  "windows[0].start": "new-start-error", "windows[0].end": "new-end-error",
};

$("incident-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const window_ = {
    component: $("new-component").value,
    severity: $("new-severity").value,
    start: $("new-start").value.trim(),
    end: $("new-end").value.trim() || null,
  };
  post("/v1/incidents", { title: $("incident-name").value, status: $("incident-state").value, windows: [window_] })
    .then((incident) => {
      clearErrors(NEW_ERRORS);
      $("incident-name").value = "";
      $("new-end").value = "";
      say("Incident " + incident.id + " recorded.");
      return showIncidents();
    })
    .catch((e) => reportAt(NEW_ERRORS, e));
});

function incidentId() {
  const m = location.hash.match(/^#incident\/(\d+)$/);
  return m && m[1];
}

// A window's line, and for a reporter a form to change its severity and end.
function windowItem(incident, w) {
  const li = item(windowLine(w));
  if (!may("reporter admin")) return li;
  const form = document.createElement("form");
  const prefix = "window-" + w.id + "-";
  const severity = document.createElement("select");
  severity.id = prefix + "severity";
  options(severity, SEVERITIES);
  severity.value = w.severity;
  const end = document.createElement("input");
  end.id = prefix + "end";
  end.value = w.end || "";
  const error = document.createElement("p");
  error.id = prefix + "end-error";
  error.className = "error";
  error.setAttribute("role", "alert");
  const save = document.createElement("button");
  save.id = prefix + "save";
  save.type = "submit";
  save.textContent = "Save window " + w.id;
  const label = (control, text) => {
    const l = document.createElement("label");
    l.htmlFor = control.id;
    l.textContent = text;
    return l;
  };
  const endNow = document.createElement("button");
  endNow.id = prefix + "end-now";
  endNow.type = "button";
  endNow.textContent = "End window " + w.id + " now";
  endNow.addEventListener("click", () => {
    end.value = nowHere();
    end.focus();
  });
  form.append(label(severity, "Severity of window " + w.id), severity,
    label(end, "End of window " + w.id + " (RFC 3339; empty while it goes on)"), end, error, endNow, save);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const change = { severity: severity.value, end: end.value.trim() || null };
    api("/v1/incidents/" + incident + "/windows/" + w.id, { method: "PATCH", body: JSON.stringify(change) })
      .then(() => {
        say("Window " + w.id + " saved.");
        return showIncident(incident);
      })
      .catch((e) => reportAt({ end: error.id, severity: error.id }, e));
  });
  li.append(form);
  return li;
}

async function showIncident(id) {
  const [incident] = await Promise.all([api("/v1/incidents/" + id), fillChoices()]);
  $("incident-title").textContent = "Incident " + incident.id + ": " + incident.title;
  $("incident-status").textContent = "Status: " + incident.status + "; last changed ";
  $("incident-status").append(when(incident.updated_at));
  $("status-change").value = incident.status;
  $("incident-windows").replaceChildren(...incident.windows.map((w) => windowItem(id, w)));
  if (!$("add-start").value) $("add-start").value = nowHere();
}

$("status-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const id = incidentId();
  const change = { status: $("status-change").value };
  if ($("status-end").value.trim()) change.end = $("status-end").value.trim();
  api("/v1/incidents/" + id, { method: "PATCH", body: JSON.stringify(change) })
    .then((incident) => {
      clearErrors({ end: "status-end-error" });
      say("Incident " + incident.id + " is " + incident.status + ".");
      return showIncident(id);
    })
    .catch((e) => reportAt({ end: "status-end-error", status: "status-end-error" }, e));
});

$("window-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const id = incidentId();
  const errors = { component: "add-component-error", start: "add-start-error", end: "add-end-error" };
  const body = {
    component: $("add-component").value,
    severity: $("add-severity").value,
    start: $("add-start").value.trim(),
    end: $("add-end").value.trim() || null,
  };
  post("/v1/incidents/" + id + "/windows", body)
    .then(() => {
      clearErrors(errors);
      say("Window added.");
      return showIncident(id);
    })
    .catch((e) => reportAt(errors, e));
});

// Pages

function show() {
  const token = sessionStorage.getItem("token");
  const c = token && claims(token);
  for (const page of PAGES) $(page).hidden = true;
  for (const el of ["sign-out", "who", "nav"]) $(el).hidden = !c;
  if (!c) {
    $("sign-in-page").hidden = false;
    $("token").focus();
    return;
  }
  $("who").textContent = "Signed in as " + c.sub + " (" + c.role + ")";
  for (const el of document.querySelectorAll("[data-roles]")) el.hidden = !may(el.dataset.roles);
  if (!$("period").value) $("period").value = lastMonth();
  const routes = [
    [/^#credit\/(\d+)$/, "credit-page", showCredit],
    [/^#customer\/(.+)$/, "customer-page", (id) => showCustomer(decodeURIComponent(id))],
    [/^#incident\/(\d+)$/, "incident-page", showIncident],
    [/^#incidents$/, "incidents-page", () => {
      if (!$("new-start").value) $("new-start").value = nowHere();
      return showIncidents();
    }],
    [/^#credits$/, "credits-page", () => {
      if (!$("filter-period").value) $("filter-period").value = $("period").value;
      return showCredits(false);
    }],
    [/^/, "month-page", showMonth],
  ];
  for (const [pattern, page, load] of routes) {
    const m = location.hash.match(pattern);
    if (m) {
      $(page).hidden = false;
      load(m[1]).catch(report);
      return;
    }
  }
}

$("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const token = $("token").value.trim();
  if (!claims(token)) {
    say("That is not a token.");
    return;
  }
  sessionStorage.setItem("token", token);
  $("token").value = "";
  try {
    await api("/v1/components?limit=1");
    say("");
    show();
  } catch (e) {
    report(e);
  }
});
$("sign-out").addEventListener("click", () => signOut("Signed out."));

// A sign-in link (`sla-ledger token --link`) carries a one-time code after `#link=`.
async function start() {
  const code = location.hash.startsWith("#link=") ? location.hash.slice(6) : "";
  if (code) {
    history.replaceState(null, "", location.pathname);
    const response = await fetch("/v1/sign-in/" + encodeURIComponent(code), { method: "POST" });
    const body = await response.json();
    if (response.ok) {
      sessionStorage.setItem("token", body.token);
    } else {
      sessionStorage.removeItem("token");
      say(body.detail || "That sign-in link does not work.");
    }
  }
  show();
}

// A link opened in a tab that already shows the console changes only the fragment.
window.addEventListener("hashchange", start);
start();
