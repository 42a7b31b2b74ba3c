// The console acts only through the public API with the person's token: every rule and role
// check stays in the API. Amounts and percentages are shown as the API gives them, never
// computed here.
"use strict";

const $ = (id) => document.getElementById(id);

const PAGES = ["sign-in-page", "month-page", "credits-page", "credit-page", "customer-page",
  "incidents-page", "incident-page"];
const SEVERITIES = ["major_outage", "partial_outage", "degraded_performance", "maintenance"];
const STATUSES = ["investigating", "identified", "monitoring", "resolved", "postmortem"];
// Forms that keep what was typed from page to page (the month and the credit filters).
const KEPT = ["period-form", "credit-filters"];

// The person

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

// Forgets the token and everything the pages showed.
function forget() {
  sessionStorage.removeItem("token");
  for (const form of document.forms) form.reset();
  for (const el of document.querySelectorAll("main ul, main dl, main tbody, #uptime")) el.replaceChildren();
  $("preview-result").hidden = true;
  $("run-state").textContent = "—";
  monthPeriod = null;
  creditsQuery = null;
}

function signOut(why) {
  forget();
  say(why || "");
  show();
}

// Messages and problems

function say(text) {
  $("message").textContent = text;
}

// A failed call's message, unless the call signed the person out or its page is gone (those say
// nothing more).
function report(e) {
  if (!(e instanceof Quiet)) say(e.message);
}

class Quiet extends Error {}

// A problem the API names a field for is shown next to that field (the paragraph `ID-error`
// beside the input `ID`), which gets the focus; others above the page.
function reportAt(fields, e) {
  clearErrors(fields);
  const id = e.field && fields[e.field];
  if (!id) return report(e);
  $(id).textContent = e.detail;
  const input = $(id.replace(/-error$/, ""));
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}

function clearErrors(fields) {
  for (const id of Object.values(fields)) {
    $(id).textContent = "";
    const input = $(id.replace(/-error$/, ""));
    if (input) input.removeAttribute("aria-invalid");
  }
}

// Ties an input to the paragraph its problems are shown in.
function describe(input, error) {
  input.setAttribute("aria-describedby", error.id);
}

// The API

// Bumped on every navigation: an answer to a call made before it belongs to a page that is gone.
let navigation = 0;

// For a page's loader: passes on what an await answered while the page is still the one shown,
// and stops the loader quietly once the person has moved on.
function stillOn() {
  const page = navigation;
  return (answer) => {
    if (page !== navigation) throw new Quiet("stale");
    return answer;
  };
}

// A call with the person's token; problems become errors naming the field the API names.
async function call(path, options = {}) {
  const token = sessionStorage.getItem("token");
  if (!token) throw new Quiet("signed out");
  const headers = { Authorization: "Bearer " + token, "Content-Type": "application/json" };
  // A write carries a key, so a request the network retries is answered, not done twice.
  if (options.method && options.method !== "GET" && options.key !== false) headers["Idempotency-Key"] = newKey();
  const page = navigation;
  const reading = !options.method || options.method === "GET";
  // A call that hangs gives up after a minute, so its button works again (reports take longer).
  const signal = options.timeout === false ? undefined : AbortSignal.timeout(60000);
  const response = await fetch(path, { method: options.method, body: options.body, headers, signal });
  // Signed out (or in as someone else) while the call was on its way: its answer is stale. A
  // read for a page left is too; a write's answer is still told (it happened).
  if (sessionStorage.getItem("token") !== token) throw new Quiet("stale");
  if (reading && page !== navigation) throw new Quiet("stale");
  if (response.status === 401) {
    signOut("Your sign-in has ended; sign in again.");
    throw new Quiet("signed out");
  }
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    const detail = (body && body.detail) || "HTTP " + response.status;
    const error = new Error((body && body.field ? body.field + ": " : "") + detail);
    error.field = body && body.field;
    error.detail = detail;
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

function patch(path, body) {
  return api(path, { method: "PATCH", body: JSON.stringify(body) });
}

// Runs `work` for a form or button unless its last one is still on its way: a double click
// sends one request, not two.
const busy = new WeakSet();
function once(control, work) {
  if (busy.has(control)) return;
  busy.add(control);
  control.setAttribute("aria-busy", "true");
  Promise.resolve().then(work).catch(report).finally(() => {
    busy.delete(control);
    control.removeAttribute("aria-busy");
  });
}

// Submitting `form` runs `work` once at a time.
function onSubmit(form, work) {
  $(form).addEventListener("submit", (event) => {
    event.preventDefault();
    once($(form), work);
  });
}

function onClick(button, work) {
  $(button).addEventListener("click", () => once($(button), work));
}

// A report saved under the name the API gives it.
async function download(path) {
  const response = await call(path, { timeout: false });
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

// Building the page

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

function isPeriod(text) {
  return /^[0-9]{4}-(0[1-9]|1[0-2])$/.test(text);
}

function lastMonth() {
  const now = new Date();
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}

// The month

// The period the month page shows: what its buttons act on, whatever is typed meanwhile.
let monthPeriod = null;
const PERIOD_ERRORS = { period: "period-error" };

// The month `period` (what is typed, unless given).
async function showMonth(period = $("period").value.trim()) {
  const fresh = stillOn();
  const q = "period=" + encodeURIComponent(period);
  let runs;
  try {
    runs = fresh(await api("/v1/credit-runs?" + q + "&limit=500"));
  } catch (e) {
    return reportAt(PERIOD_ERRORS, e);
  }
  clearErrors(PERIOD_ERRORS);
  if (monthPeriod !== period) $("preview-result").hidden = true;
  monthPeriod = period;
  $("month-title").textContent = "The month: " + period;
  const run = runs.items[runs.items.length - 1];
  if (!run) {
    $("run-state").textContent = "No credit run yet for " + period + ".";
    list("totals", []);
  } else {
    $("run-state").replaceChildren("Run " + run.id + " " + run.state + ", started by " + run.started_by + " on ",
      when(run.started_at), ...(run.finished_at ? [", finished ", when(run.finished_at)] : []),
      " (" + run.progress.done + " of " + run.progress.total + " subscriptions)." +
      (run.problem ? " It failed: " + run.problem.detail : ""));
    list("totals", Object.entries(run.totals).map(([currency, amount]) => amount + " " + currency));
  }
  const [summary, credits, exposure] = fresh(await Promise.all([
    api("/v1/credits/summary?" + q),
    api("/v1/credits?" + q + "&limit=100"),
    api("/v1/exposure?" + q + "&limit=20"),
  ]));
  list("counts", summary.items.map((s) => s.status + ": " + s.credits + " (" + money(s.amount) + ")"));
  links("credits", credits.items.map((c) => [
    "#credit/" + c.id,
    "Credit " + c.id + ": " + c.customer + ", " + money(c.amount) + " (" + c.kind + ", " + c.status + ")",
  ]));
  if (credits.next_cursor) $("credits").append(item(link("#credits", "More on the credits page")));
  list("exposure-totals", exposure.totals.map((t) =>
    "Total " + t.owed + " " + t.currency + " for " + t.subscriptions + " subscriptions"));
  list("exposure", exposure.items.map((e) =>
    e.customer + " (" + e.plan + "): " + money(e.owed) + ", uptime " +
    e.uptime_percent + " %, " + e.budget_headroom.minutes + " minutes to the target"));
}

// Runs `work` on the period the page shows, then shows it again.
async function onMonth(work) {
  if (!monthPeriod) {
    say("Show a period first.");
    return;
  }
  const period = monthPeriod;
  await work(period);
  await showMonth(period);
}

async function waitForRun(run) {
  while (run.state === "running") {
    await new Promise((resolve) => setTimeout(resolve, 250));
    run = await api("/v1/credit-runs/" + run.id);
  }
  say("Credit run " + run.id + " " + run.state + "." + (run.problem ? " " + run.problem.detail : ""));
}

onSubmit("period-form", () => showMonth());
// A preview is only a read: it carries no Idempotency-Key.
onClick("preview", () => onMonth(async (period) => {
  const p = await api("/v1/credit-runs", {
    method: "POST",
    key: false,
    body: JSON.stringify({ period, dry_run: true }),
  });
  const totals = Object.entries(p.totals).map(([currency, amount]) => amount + " " + currency);
  $("preview-result").hidden = false;
  $("preview-result").textContent = "A run now would evaluate " + p.subscriptions_evaluated +
    " subscriptions: " + p.created + " new credits, " + p.unchanged + " unchanged, " +
    p.superseded + " superseded, " + p.adjusted + " adjustments; totals " +
    (totals.join(", ") || "none") + ".";
}));
onClick("run", () => onMonth(async (period) => {
  $("preview-result").hidden = true;
  await waitForRun(await post("/v1/credit-runs", { period }));
}));
onClick("approve", () => onMonth(async (period) => {
  const approved = await post("/v1/credits/approve", { period });
  say("Approved " + approved.approved + " credits.");
}));
for (const [button, path] of [["download-credits", "credits.csv?"],
  ["download-balance", "credits.csv?format=balance&"], ["download-statements", "statements.csv?"]]) {
  onClick(button, () => monthPeriod
    ? download("/v1/reports/" + path + "period=" + encodeURIComponent(monthPeriod))
    : say("Show a period first."));
}

// Credits

const FILTER_ERRORS = { period: "filter-period-error" };
// The roles that may move credits, and so select them.
const PICKERS = $("pick-column").dataset.roles;
// The filters the credits shown were asked with, and where the next page starts.
let creditsQuery = null;
let creditsNext = null;

// The list's query parameters and the inputs that set them.
const FILTERS = [["period", "filter-period"], ["status", "filter-status"], ["kind", "filter-kind"],
  ["customer", "filter-customer"]];

function filters() {
  const q = new URLSearchParams({ limit: "100" });
  for (const [name, id] of FILTERS) {
    if ($(id).value.trim()) q.set(name, $(id).value.trim());
  }
  return q;
}

function creditRow(c) {
  const tr = document.createElement("tr");
  tr.dataset.customer = c.customer;
  const box = document.createElement("input");
  box.type = "checkbox";
  box.value = c.id;
  box.className = "pick";
  box.setAttribute("aria-label", "Select credit " + c.id + " (" + c.customer + ")");
  const cells = [box, link("#credit/" + c.id, String(c.id)),
    link("#customer/" + encodeURIComponent(c.customer), c.customer),
    c.period, c.kind, c.status, money(c.amount)];
  tr.append(...cells.map((content) => {
    const td = document.createElement("td");
    td.append(content);
    return td;
  }));
  tr.firstChild.hidden = !may(PICKERS);
  return tr;
}

// The first page of credits for the filters as they are now, or the next page of those shown;
// the credits in `keep` stay selected.
async function showCredits(more, keep = new Set()) {
  const fresh = stillOn();
  const q = more ? new URLSearchParams(creditsQuery) : filters();
  if (more) q.set("after", creditsNext);
  let page;
  try {
    page = fresh(await api("/v1/credits?" + q));
  } catch (e) {
    return reportAt(FILTER_ERRORS, e);
  }
  clearErrors(FILTER_ERRORS);
  if (!more) creditsQuery = q.toString();
  const rows = page.items.map(creditRow);
  for (const row of rows) row.querySelector(".pick").checked = keep.has(Number(row.querySelector(".pick").value));
  if (more) $("credit-rows").append(...rows);
  else $("credit-rows").replaceChildren(...rows);
  $("select-all").checked = false;
  creditsNext = page.next_cursor;
  $("more-credits").hidden = !creditsNext;
  $("credit-count").textContent = "Credits (" + $("credit-rows").children.length + " shown" +
    (creditsNext ? ", more to show" : "") + ")";
}

function selected() {
  return [...document.querySelectorAll("#credit-rows .pick:checked")].map((b) => Number(b.value));
}

// The first page of the credits shown, again (not what the filters say now, if changed since).
async function reloadCredits(keep) {
  if (creditsQuery) {
    const shown = new URLSearchParams(creditsQuery);
    for (const [name, id] of FILTERS) $(id).value = shown.get(name) || "";
  }
  await showCredits(false, keep);
}

// Runs `work` on the selected credits, then shows the list again; when it fails, with the
// selection on this page kept, to correct and try again.
async function onSelected(work) {
  const ids = selected();
  if (ids.length === 0) {
    say("Select at least one credit first.");
    return;
  }
  try {
    await work(ids);
  } catch (e) {
    await reloadCredits(new Set(ids));
    throw e;
  }
  await reloadCredits(new Set());
}

onSubmit("credit-filters", () => showCredits(false));
onClick("more-credits", () => showCredits(true));
$("select-all").addEventListener("change", () => {
  for (const box of document.querySelectorAll("#credit-rows .pick")) box.checked = $("select-all").checked;
});
onClick("approve-selected", () => onSelected(async (ids) => {
  const approved = await post("/v1/credits/approve", { ids });
  say("Approved " + approved.approved + " credits.");
}));
onSubmit("void-selected-form", () => {
  const errors = { reason: "void-selected-reason-error" };
  return onSelected(async (ids) => {
    const voided = await post("/v1/credits/void", { ids, reason: $("void-selected-reason").value });
    clearErrors(errors);
    $("void-selected-reason").value = "";
    say("Voided " + voided.voided + " credits.");
  }).catch((e) => reportAt(errors, e));
});
// The API applies one credit at a time: the selected ones in turn, stopping at the first problem.
onSubmit("apply-selected-form", () => {
  const errors = { billing_reference: "apply-selected-reference-error" };
  let done = 0;
  return onSelected(async (ids) => {
    const reference = $("apply-selected-reference").value;
    for (const id of ids) {
      try {
        await post("/v1/credits/" + id + "/apply", { billing_reference: reference });
      } catch (e) {
        if (done > 0) {
          const partly = "Marked " + done + " of " + ids.length + " credits applied; credit " + id + " was not: ";
          e.message = partly + e.message;
          e.detail = partly + e.detail;
        }
        throw e;
      }
      done += 1;
    }
    clearErrors(errors);
    $("apply-selected-reference").value = "";
    say("Marked " + done + " credits applied.");
  }).catch((e) => reportAt(errors, e));
});

const MANUAL_ERRORS = {
  subscription_id: "manual-subscription-error", period: "manual-period-error",
  reason: "manual-reason-error", percent: "manual-percent-error", amount: "manual-amount-error",
  "amount.amount": "manual-amount-error", "amount.currency": "manual-currency-error",
};

onSubmit("manual-form", () => {
  // Not a whole number goes as typed: the API names the field and says why.
  const subscription = $("manual-subscription").value.trim();
  const body = {
    subscription_id: /^[0-9]+$/.test(subscription) ? Number(subscription) : subscription,
    period: $("manual-period").value,
    reason: $("manual-reason").value,
  };
  if ($("manual-percent").value.trim()) body.percent = $("manual-percent").value.trim();
  if ($("manual-amount").value.trim() || $("manual-currency").value.trim()) {
    body.amount = { amount: $("manual-amount").value.trim(), currency: $("manual-currency").value.trim() };
  }
  return post("/v1/credits", body).then((credit) => {
    clearErrors(MANUAL_ERRORS);
    $("manual-form").reset();
    say("Credit " + credit.id + " added: " + money(credit.amount) + " for " + credit.customer + ".");
    return showCredits(false);
  }).catch((e) => reportAt(MANUAL_ERRORS, e));
});

// A credit

// Which moves a credit in each status can make (the API refuses the others).
const MOVES = {
  "credit-approve": ["pending"],
  "void-form": ["pending", "approved"],
  "apply-form": ["approved"],
};

function figures(rows) {
  $("credit-figures").replaceChildren(...rows.flatMap(([name, value]) => {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = value;
    return [dt, dd];
  }));
}

async function showCredit(id) {
  $("credit-title").textContent = "Credit " + id;
  for (const el of ["credit-figures", "credit-summary", "credit-history"]) $(el).replaceChildren();
  for (const move of Object.keys(MOVES)) $(move).hidden = true;
  const fresh = stillOn();
  const credit = fresh(await api("/v1/credits/" + encodeURIComponent(id)));
  $("credit-title").textContent = "Credit " + credit.id + ": " + credit.customer + ", " + credit.period;
  $("credit-customer").textContent = "Customer " + credit.customer;
  $("credit-customer").href = "#customer/" + encodeURIComponent(credit.customer);
  for (const [move, statuses] of Object.entries(MOVES)) {
    $(move).hidden = !may($(move).dataset.roles) || !statuses.includes(credit.status);
  }
  const rows = [["Status", credit.status], ["Kind", credit.kind], ["Amount", money(credit.amount)]];
  if (credit.billing_reference) rows.push(["Billing reference", credit.billing_reference]);
  if (credit.void_reason) rows.push(["Void reason", credit.void_reason]);
  figures(rows);
  $("credit-history").replaceChildren(...credit.history.map((h) =>
    item(when(h.at), ": " + h.action + " by " + h.actor)));
  // The statement and why: the API may not be able to explain it (its subscription has ended).
  let why;
  try {
    why = fresh(await api("/v1/credits/" + encodeURIComponent(id) + "/explanation"));
  } catch (e) {
    if (e instanceof Quiet) throw e;
    list("credit-summary", ["No explanation: " + e.message]);
    return;
  }
  const rule = why.explanation && why.explanation.credit_percent;
  if (rule && rule.rule === "tier") {
    rows.push(["Tier", "uptime below " + rule.below_percent + " %: " + rule.tier_credit_percent + " % of the fee"]);
  } else if (rule) {
    const names = { no_tier: "none reached", proportional: "proportional to the shortfall", no_eligible_time: "no eligible time" };
    rows.push(["Tier", names[rule.rule] || rule.rule]);
  }
  const s = why.statement;
  if (s) {
    rows.push(
      ["Eligible minutes", s.eligible_minutes], ["Impacted minutes", s.impacted_minutes],
      ["Downtime minutes", s.downtime_minutes], ["Uptime", s.uptime_percent + " %"],
      ["Credit percent", s.credit_percent + " %"], ["Fee", money(s.fee)],
      ["Statement amount", money(s.amount)]);
  }
  figures(rows);
  list("credit-summary", why.summary);
}

function creditId() {
  const m = location.hash.match(/^#credit\/(\d+)$/);
  return m && m[1];
}

async function move(action, body, errors) {
  const id = creditId();
  try {
    const credit = await post("/v1/credits/" + id + "/" + action, body);
    say("Credit " + credit.id + " is " + credit.status + ".");
  } catch (e) {
    return reportAt(errors, e);
  }
  for (const form of ["void-form", "apply-form"]) $(form).reset();
  clearErrors(errors);
  await showCredit(id);
}

onClick("credit-approve", () => move("approve", {}, {}));
onSubmit("void-form", () => move("void", { reason: $("void-reason").value }, { reason: "void-reason-error" }));
onSubmit("apply-form", () => move("apply", { billing_reference: $("billing-reference").value },
  { billing_reference: "billing-reference-error" }));

// A customer

// The period `back` months before `period` (YYYY-MM).
function monthsBefore(period, back) {
  const [y, m] = period.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1 - back, 1)).toISOString().slice(0, 7);
}

async function showCustomer(id) {
  $("customer-title").textContent = "Customer " + id;
  for (const el of ["customer-subscriptions", "customer-statements", "customer-credits"]) $(el).replaceChildren();
  const path = "/v1/customers/" + encodeURIComponent(id);
  const fresh = stillOn();
  const [customer, subscriptions, credits] = fresh(await Promise.all([
    api(path),
    api(path + "/subscriptions?limit=500"),
    api("/v1/credits?customer=" + encodeURIComponent(id) + "&limit=500"),
  ]));
  $("customer-title").textContent = customer.name + " (" + customer.external_id +
    (customer.region ? ", " + customer.region : "") + ")";
  $("customer-subscriptions").replaceChildren(...subscriptions.items.map((s) =>
    item("Subscription " + s.id + ": " + s.plan + " from ", when(s.start), ...(s.end ? [" to ", when(s.end)] : []))));
  links("customer-credits", credits.items.map((c) => [
    "#credit/" + c.id,
    c.period + ": " + money(c.amount) + " (" + c.kind + ", " + c.status + ")",
  ]));
  const last = monthPeriod || lastMonth();
  const periods = [0, 1, 2].map((back) => monthsBefore(last, back));
  const statements = fresh(await Promise.all(periods.map((p) => api(path + "/statement?period=" + p))));
  list("customer-statements", statements.flatMap((st) => st.subscriptions.length === 0
    ? [st.period + ": no subscription active"]
    : st.subscriptions.map((s) =>
      st.period + ", " + s.plan + ": uptime " + s.uptime_percent + " %, downtime " + s.downtime_minutes +
      " minutes, " + money(s.amount) + (s.reason ? " (" + s.reason + ")" : ""))));
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

async function fillChoices() {
  const page = await api("/v1/components?limit=500");
  const keys = page.items.map((c) => c.key);
  for (const s of document.querySelectorAll("select.components")) options(s, keys, (k) => k);
  for (const s of document.querySelectorAll("select.severities")) options(s, SEVERITIES);
  for (const s of document.querySelectorAll("select.statuses")) options(s, STATUSES);
  return keys;
}

async function showIncidents() {
  const fresh = stillOn();
  const keys = fresh(await fillChoices());
  const [ongoing, uptime] = fresh(await Promise.all([
    api("/v1/incidents?ongoing=true&limit=100"),
    Promise.all(keys.map((k) => api("/v1/components/" + encodeURIComponent(k) +
      "/uptime?days=90&timezone=" + encodeURIComponent(ZONE)))),
  ]));
  // The rest: incidents with impact since the first day the bars show, newest first.
  const from = uptime.length ? uptime[0].items[0].start : null;
  const recent = from ? fresh(await api("/v1/incidents?limit=500&from=" + encodeURIComponent(from))) : { items: [] };
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

// Per component, a bar a day; the day hovered or focused (arrow keys move) is told below them.
function showUptime(days) {
  $("uptime").replaceChildren(...days.map((u) => {
    const figure = document.createElement("figure");
    const caption = document.createElement("figcaption");
    const impacted = u.items.filter((d) => dayClass(d) !== "up").length;
    caption.textContent = u.component + ": " + impacted + " of " + u.items.length + " days with impact";
    const bars = document.createElement("div");
    bars.className = "bars";
    bars.id = "bars-" + u.component;
    const detail = document.createElement("p");
    detail.className = "bar-detail";
    detail.setAttribute("aria-live", "polite");
    bars.append(...u.items.map((d, i) => {
      const bar = document.createElement("span");
      bar.className = "bar " + dayClass(d);
      bar.dataset.day = d.label;
      bar.title = dayText(d);
      bar.setAttribute("aria-label", dayText(d));
      bar.setAttribute("role", "img");
      bar.tabIndex = i === u.items.length - 1 ? 0 : -1;
      return bar;
    }));
    const tell = (event) => {
      if (event.target.dataset.day) detail.textContent = event.target.title;
    };
    bars.addEventListener("focusin", tell);
    bars.addEventListener("mouseover", tell);
    bars.addEventListener("keydown", (event) => {
      const step = { ArrowRight: "nextElementSibling", ArrowLeft: "previousElementSibling" }[event.key];
      const to = step && event.target[step];
      if (to) {
        event.preventDefault();
        event.target.tabIndex = -1;
        to.tabIndex = 0;
        to.focus();
      }
    });
    figure.append(caption, bars, detail);
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

onSubmit("incident-form", () => {
  const window_ = {
    component: $("new-component").value,
    severity: $("new-severity").value,
    start: $("new-start").value.trim(),
    end: $("new-end").value.trim() || null,
  };
  return post("/v1/incidents", { title: $("incident-name").value, status: $("incident-state").value, windows: [window_] })
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

function labelled(control, text) {
  const l = document.createElement("label");
  l.htmlFor = control.id;
  l.textContent = text;
  return l;
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
  describe(end, error);
  const endNow = document.createElement("button");
  endNow.type = "button";
  endNow.id = prefix + "end-now";
  endNow.textContent = "End window " + w.id + " now";
  endNow.addEventListener("click", () => {
    end.value = nowHere();
    end.focus();
  });
  const save = document.createElement("button");
  save.type = "submit";
  save.id = prefix + "save";
  save.textContent = "Save window " + w.id;
  form.append(labelled(severity, "Severity of window " + w.id), severity,
    labelled(end, "End of window " + w.id + " (RFC 3339; empty while it goes on)"), end, error, endNow, save);
  // Saving checks the whole window again: a problem with any of its fields shows here.
  const errors = { end: error.id, severity: error.id, start: error.id, component: error.id };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    once(form, () => patch("/v1/incidents/" + incident + "/windows/" + w.id,
      { severity: severity.value, end: end.value.trim() || null })
      .then(() => {
        say("Window " + w.id + " saved.");
        return showIncident(incident);
      })
      .catch((e) => reportAt(errors, e)));
  });
  li.append(form);
  return li;
}

async function showIncident(id) {
  $("incident-title").textContent = "Incident " + id;
  const fresh = stillOn();
  const [incident] = fresh(await Promise.all([api("/v1/incidents/" + id), fillChoices()]));
  $("incident-title").textContent = "Incident " + incident.id + ": " + incident.title;
  $("incident-status").textContent = "Status: " + incident.status + "; last changed ";
  $("incident-status").append(when(incident.updated_at));
  $("status-change").value = incident.status;
  $("incident-windows").replaceChildren(...incident.windows.map((w) => windowItem(id, w)));
}

onSubmit("status-form", () => {
  const id = incidentId();
  const errors = { end: "status-end-error", status: "status-end-error" };
  const change = { status: $("status-change").value };
  if ($("status-end").value.trim()) change.end = $("status-end").value.trim();
  return patch("/v1/incidents/" + id, change)
    .then((incident) => {
      clearErrors(errors);
      $("status-end").value = "";
      say("Incident " + incident.id + " is " + incident.status + ".");
      return showIncident(id);
    })
    .catch((e) => reportAt(errors, e));
});

onSubmit("window-form", () => {
  const id = incidentId();
  const errors = { component: "add-component-error", start: "add-start-error", end: "add-end-error" };
  const body = {
    component: $("add-component").value,
    severity: $("add-severity").value,
    start: $("add-start").value.trim(),
    end: $("add-end").value.trim() || null,
  };
  return post("/v1/incidents/" + id + "/windows", body)
    .then(() => {
      clearErrors(errors);
      $("add-end").value = "";
      say("Window added.");
      return showIncident(id);
    })
    .catch((e) => reportAt(errors, e));
});

// Pages

const ROUTES = [
  [/^#credit\/(\d+)$/, "credit-page", showCredit],
  [/^#customer\/(.+)$/, "customer-page", (id) => showCustomer(decodeURIComponent(id))],
  [/^#incident\/(\d+)$/, "incident-page", showIncident],
  [/^#incidents$/, "incidents-page", showIncidents],
  [/^#credits$/, "credits-page", () => {
    if (!creditsQuery && monthPeriod) $("filter-period").value = monthPeriod;
    return showCredits(false);
  }],
  [/^/, "month-page", showMonth],
];

// Each page's heading as the page has it before it loads.
const HEADINGS = new Map([...document.querySelectorAll("main h2")].map((h) => [h, h.textContent]));

// Shows the page the address names, fresh: its forms empty, no problem left from before.
function show() {
  navigation += 1;
  const token = sessionStorage.getItem("token");
  const c = token && claims(token);
  for (const page of PAGES) $(page).hidden = true;
  for (const el of ["sign-out", "who", "nav"]) $(el).hidden = !c;
  for (const form of document.forms) if (!KEPT.includes(form.id)) form.reset();
  for (const error of document.querySelectorAll(".error")) error.textContent = "";
  for (const input of document.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  if (!c) {
    $("sign-in-page").hidden = false;
    document.title = "Sign in · sla-ledger";
    $("token").focus();
    return;
  }
  $("who").textContent = "Signed in as " + c.sub + " (" + c.role + ")";
  for (const el of document.querySelectorAll("[data-roles]")) el.hidden = !may(el.dataset.roles);
  if (!isPeriod($("period").value.trim())) $("period").value = lastMonth();
  for (const id of ["new-start", "add-start"]) $(id).value = nowHere();
  for (const [pattern, page, load] of ROUTES) {
    const m = location.hash.match(pattern);
    if (!m) continue;
    $(page).hidden = false;
    // Nothing shown from an earlier visit: what the page shows is what this one loaded.
    for (const el of $(page).querySelectorAll("ul, dl, tbody, #uptime")) el.replaceChildren();
    for (const el of $(page).querySelectorAll("#run-state, #incident-status, #credit-count")) el.textContent = "";
    const heading = $(page).querySelector("h2");
    heading.textContent = HEADINGS.get(heading);
    $("credit-customer").textContent = "";
    $("more-credits").hidden = true;
    document.title = heading.textContent + " · sla-ledger";
    for (const a of document.querySelectorAll("nav a")) {
      if (a.getAttribute("href") === "#" + page.replace(/-page$/, "")) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    // The title names what the page shows once it is loaded (a credit, a customer, a month).
    const fresh = stillOn();
    Promise.resolve().then(() => load(m[1])).then(fresh).then(() => {
      document.title = heading.textContent + " · sla-ledger";
    }).catch(report);
    return;
  }
}

// A pasted token is tried before it is kept: one the API refuses leaves the person signed out,
// told why, with the token still in the box to look at.
onSubmit("sign-in-form", async () => {
  const token = $("token").value.trim();
  if (!claims(token)) {
    say("That is not a token.");
    return;
  }
  const response = await fetch("/v1/components?limit=1", { headers: { Authorization: "Bearer " + token } });
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    say("That token was refused: " + ((body && body.detail) || "HTTP " + response.status));
    return;
  }
  forget();
  sessionStorage.setItem("token", token);
  say("");
  show();
});
$("sign-out").addEventListener("click", () => signOut("Signed out."));

// A sign-in link (`sla-ledger token --link`) carries a one-time code after `#link=`.
async function start() {
  const code = location.hash.startsWith("#link=") ? location.hash.slice(6) : "";
  if (code) {
    history.replaceState(null, "", location.pathname);
    // Whoever was signed in here is not any more, whether the link works or not.
    forget();
    try {
      const response = await fetch("/v1/sign-in/" + encodeURIComponent(code), { method: "POST" });
      const body = await response.json();
      if (response.ok) sessionStorage.setItem("token", body.token);
      else say(body.detail || "That sign-in link does not work.");
    } catch (e) {
      say("The sign-in link could not be checked: " + e.message);
    }
  }
  show();
}

for (const error of document.querySelectorAll(".error")) {
  const input = $(error.id.replace(/-error$/, ""));
  if (input) describe(input, error);
}
// Following a link within the console starts with no message left from the page before; a link
// opened in a tab that already shows the console changes only the fragment.
window.addEventListener("hashchange", () => {
  say("");
  start();
});
start();
