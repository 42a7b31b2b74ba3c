// The console acts only through the public API with the person's token: every rule and role
// check stays in the API. Amounts are shown as the API gives them, never computed here.
"use strict";

const $ = (id) => document.getElementById(id);

function claims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part));
  } catch (_) {
    return null;
  }
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

async function api(path, options = {}) {
  const token = sessionStorage.getItem("token");
  if (!token) throw new Error("signed out");
  const response = await fetch(path, {
    ...options,
    headers: { Authorization: "Bearer " + token, "Content-Type": "application/json" },
  });
  // Signed out (or in as someone else) while the call was on its way: its answer is stale.
  if (sessionStorage.getItem("token") !== token) throw new Error("signed out");
  if (response.status === 401) {
    signOut("Your sign-in has ended; sign in again.");
    throw new Error("signed out");
  }
  const body = response.status === 204 ? null : await response.json();
  if (!response.ok) {
    const error = new Error((body && (body.field ? body.field + ": " : "") + body.detail) || response.statusText);
    error.field = body && body.field;
    error.detail = body && body.detail;
    throw error;
  }
  return body;
}

// A problem the API names a field for is shown next to that field; others above the page.
function reportAt(fields, e) {
  for (const [field, id] of Object.entries(fields)) $(id).textContent = "";
  const id = e.field && fields[e.field];
  if (id) $(id).textContent = e.detail;
  else report(e);
}

function lastMonth() {
  const now = new Date();
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}

function list(id, lines) {
  const ul = $(id);
  ul.replaceChildren(...lines.map((text) => {
    const li = document.createElement("li");
    li.textContent = text;
    return li;
  }));
}

async function showMonth() {
  const period = $("period").value;
  const runs = await api("/v1/credit-runs?period=" + encodeURIComponent(period) + "&limit=500");
  const run = runs.items[runs.items.length - 1];
  if (!run) {
    $("run-state").textContent = "No credit run yet for " + period + ".";
    list("totals", []);
  } else {
    const finished = run.finished_at ? new Date(run.finished_at) : null;
    $("run-state").textContent = "Run " + run.id + " " + run.state + ", started by " + run.started_by +
      (finished ? ", finished " + finished.toLocaleString() : "") +
      " (" + run.progress.done + " of " + run.progress.total + " subscriptions).";
    $("run-state").title = run.finished_at || run.started_at;
    list("totals", Object.entries(run.totals).map(([currency, amount]) => amount + " " + currency));
  }
  const credits = await api("/v1/credits?period=" + encodeURIComponent(period) + "&limit=500");
  const counts = {};
  for (const c of credits.items) counts[c.status] = (counts[c.status] || 0) + 1;
  list("counts", Object.entries(counts).sort().map(([status, n]) => status + ": " + n));
  links("credits", credits.items.map((c) => [
    "#credit/" + c.id,
    "Credit " + c.id + ": " + c.customer + ", " + c.amount.amount + " " + c.amount.currency + " (" + c.kind + ", " + c.status + ")",
  ]));
  const exposure = await api("/v1/exposure?period=" + encodeURIComponent(period) + "&limit=20");
  list("exposure-totals", exposure.totals.map((t) =>
    "Total " + t.owed + " " + t.currency + " for " + t.subscriptions + " subscriptions"));
  list("exposure", exposure.items.map((e) =>
    e.customer + " (" + e.plan + "): " + e.owed.amount + " " + e.owed.currency + ", uptime " +
    e.uptime_percent + " %, " + e.budget_headroom.minutes + " minutes to the target"));
}

function links(id, items) {
  $(id).replaceChildren(...items.map(([href, text]) => {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    li.append(a);
    return li;
  }));
}

async function showCredit(id) {
  const [credit, why] = await Promise.all([
    api("/v1/credits/" + encodeURIComponent(id)),
    api("/v1/credits/" + encodeURIComponent(id) + "/explanation"),
  ]);
  $("credit-title").textContent = "Credit " + credit.id + ": " + credit.customer + ", " + credit.period;
  $("credit-customer").textContent = "Customer " + credit.customer;
  $("credit-customer").href = "#customer/" + encodeURIComponent(credit.customer);
  const s = why.statement;
  const figures = [
    ["Status", credit.status], ["Kind", credit.kind],
    ["Amount", credit.amount.amount + " " + credit.amount.currency],
  ];
  if (s) {
    figures.push(
      ["Eligible minutes", s.eligible_minutes], ["Impacted minutes", s.impacted_minutes],
      ["Downtime minutes", s.downtime_minutes], ["Uptime", s.uptime_percent + " %"],
      ["Credit percent", s.credit_percent + " %"],
      ["Fee", s.fee.amount + " " + s.fee.currency],
      ["Statement amount", s.amount.amount + " " + s.amount.currency]);
  }
  $("credit-figures").replaceChildren(...figures.flatMap(([name, value]) => {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = value;
    return [dt, dd];
  }));
  list("credit-summary", why.summary);
  list("credit-history", credit.history.map((h) =>
    new Date(h.at).toLocaleString() + ": " + h.action + " by " + h.actor));
}

function show() {
  const token = sessionStorage.getItem("token");
  const c = token && claims(token);
  const signedIn = Boolean(c);
  $("sign-in-page").hidden = signedIn;
  $("month-page").hidden = !signedIn;
  $("credit-page").hidden = true;
  $("customer-page").hidden = true;
  $("sign-out").hidden = !signedIn;
  $("who").hidden = !signedIn;
  if (!signedIn) {
    $("token").focus();
    return;
  }
  $("who").textContent = "Signed in as " + c.sub + " (" + c.role + ")";
  for (const el of document.querySelectorAll("[data-roles]")) {
    el.hidden = !el.dataset.roles.split(" ").includes(c.role);
  }
  const credit = location.hash.match(/^#credit\/(\d+)$/);
  const customer = location.hash.match(/^#customer\/(.+)$/);
  $("month-page").hidden = Boolean(credit || customer);
  $("credit-page").hidden = !credit;
  $("customer-page").hidden = !customer;
  if (credit) {
    showCredit(credit[1]).catch(report);
    return;
  }
  if (customer) {
    showCustomer(decodeURIComponent(customer[1])).catch(report);
    return;
  }
  if (!$("period").value) $("period").value = lastMonth();
  showMonth().catch(report);
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
$("period-form").addEventListener("submit", (event) => {
  event.preventDefault();
  showMonth().catch(report);
});
$("preview").addEventListener("click", () => act(async () => {
  const preview = await api("/v1/credit-runs", {
    method: "POST",
    body: JSON.stringify({ period: $("period").value, dry_run: true }),
  });
  $("preview-result").hidden = false;
  $("preview-result").textContent = JSON.stringify(preview, null, 2);
}));
$("run").addEventListener("click", () => act(async () => {
  const run = await api("/v1/credit-runs", {
    method: "POST",
    body: JSON.stringify({ period: $("period").value }),
  });
  await waitForRun(run);
}));
$("approve").addEventListener("click", () => act(async () => {
  const approved = await api("/v1/credits/approve", {
    method: "POST",
    body: JSON.stringify({ period: $("period").value }),
  });
  say("Approved " + (approved.approved ?? approved.items?.length ?? "") + " credits.");
}));

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
  list("customer-subscriptions", subscriptions.items.map((s) =>
    s.plan + " from " + new Date(s.start).toLocaleDateString() + (s.end ? " to " + new Date(s.end).toLocaleDateString() : "")));
  const last = $("period").value || lastMonth();
  const periods = [0, 1, 2].map((back) => monthsBefore(last, back));
  const statements = await Promise.all(periods.map((p) =>
    api(path + "/statement?period=" + p)));
  list("customer-statements", statements.flatMap((st) => st.subscriptions.length === 0
    ? [st.period + ": no subscription active"]
    : st.subscriptions.map((s) =>
      st.period + ", " + s.plan + ": uptime " + s.uptime_percent + " %, downtime " + s.downtime_minutes +
      " minutes, " + s.amount.amount + " " + s.amount.currency + (s.reason ? " (" + s.reason + ")" : ""))));
  links("customer-credits", credits.items.map((c) => [
    "#credit/" + c.id,
    c.period + ": " + c.amount.amount + " " + c.amount.currency + " (" + c.kind + ", " + c.status + ")",
  ]));
}

function creditId() {
  const m = location.hash.match(/^#credit\/(\d+)$/);
  return m && m[1];
}

async function move(action, body) {
  const id = creditId();
  const credit = await api("/v1/credits/" + id + "/" + action, {
    method: "POST",
    body: JSON.stringify(body),
  });
  say("Credit " + credit.id + " is " + credit.status + ".");
  for (const error of document.querySelectorAll(".error")) error.textContent = "";
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
