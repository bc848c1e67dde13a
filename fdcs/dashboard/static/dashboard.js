// The dashboard: asks /api/overview (with the official's own token) and draws it with Chart.js.
// No data is not zero: a missing figure stays a gap and says "no data"; an empty panel says so.
// The official signs in with the province's identity provider (signin.js); a token in the link
// (`#token=`) or pasted is accepted only where the development setting allows it.
"use strict";

const COLOURS = ["#0d4f8b", "#1e8e3e", "#c77c02", "#8e24aa", "#c5221f", "#00838f", "#6d4c41"];
const DIMENSIONS = ["contracted_services", "effective_contracting", "effective_performance", "service_effect"];
const charts = {};
let refreshSeconds = 5;
let auth = { sign_in: null, token_in_link: false };
let halted = false;  // a failed or ended sign-in waits for the official's click, never loops

async function bearer() {
  const fromLink = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromLink) {
    history.replaceState(null, "", location.pathname + location.search);  // never stays in the address bar
    if (!auth.token_in_link) throw new Error("a token in the link is refused here: sign in");
    sessionStorage.setItem("token", fromLink);
  }
  const pasted = auth.token_in_link ? sessionStorage.getItem("token") : null;
  if (pasted) return pasted;
  return auth.sign_in ? SignIn.bearer(auth.sign_in) : null;
}

function halt(message) {
  halted = true;
  document.getElementById("status").textContent = message;
  document.getElementById("sign-in").hidden = !auth.sign_in;
  document.getElementById("sign-out").hidden = true;
}

const known = (v) => v !== null && v !== undefined;
const hasData = (datasets) => datasets.some((d) => !d.reference && d.data.some(known));
const percent = (v) => (known(v) ? Math.round(v * 1000) / 10 : null);
const yuan = (fen) => Math.round(fen) / 100;
const words = (id) => id.replaceAll("_", " ");

// Axis titles and units: every chart says what it counts and in what.
function axes(x, y, { min, max, stacked = false } = {}) {
  return {
    x: { stacked, title: { display: true, text: x } },
    y: { stacked, min, max, beginAtZero: true, title: { display: true, text: y } },
  };
}

// A missing figure is a gap; the tooltip names what has no data for the point hovered.
const TOOLTIP = {
  mode: "index",
  intersect: false,
  callbacks: {
    footer: (items) => {
      if (!items.length) return "";
      const { chart, dataIndex } = items[0];
      const missing = chart.data.datasets.filter((d) => !d.reference && !known(d.data[dataIndex])).map((d) => d.label);
      return missing.length ? `no data: ${missing.join(", ")}` : "";
    },
  },
};

function draw(id, type, labels, datasets, scales) {
  for (const d of datasets) {  // the legend says when a series has gaps
    const gaps = d.reference ? 0 : d.data.filter((v) => !known(v)).length;
    if (gaps) d.label += gaps < d.data.length ? ` (no data for ${gaps})` : " (no data)";
  }
  const empty = !hasData(datasets);
  const panel = document.getElementById(id).closest("article");
  panel.classList.toggle("empty", empty);
  panel.querySelector(".no-data").hidden = !empty;
  const chart = charts[id];
  if (chart) {
    chart.data.labels = labels;
    chart.data.datasets = datasets;
    chart.update("none");
    return;
  }
  charts[id] = new Chart(document.getElementById(id), {
    type, data: { labels, datasets },
    options: {
      animation: false, responsive: true, scales, interaction: { mode: "index", intersect: false },
      plugins: { legend: { position: "bottom" }, tooltip: TOOLTIP },
    },
  });
}

const line = (label, data, i, dashed = false) => ({
  label, data, borderColor: COLOURS[i], backgroundColor: COLOURS[i], borderDash: dashed ? [6, 4] : [],
  pointRadius: dashed ? 0 : 3, spanGaps: false, reference: dashed,
});
const bars = (label, data, i) => ({ label, data, backgroundColor: COLOURS[i % COLOURS.length] });
const ofTeams = (o, key) => o.teams.map((t) => percent(t[key]));

function render(o) {
  const months = o.coverage.months;
  draw("coverage", "line", months, [
    line("coverage %", o.coverage.coverage.map(percent), 0),
    line("key-population coverage %", o.coverage.key_population_coverage.map(percent), 1),
    line("target 75%", months.map(() => 75), 0, true),
    line("target 85% (key populations)", months.map(() => 85), 1, true),
  ], axes("month", "% of the registered population", { min: 0, max: 100 }));
  const teams = o.teams.map((t) => t.name);
  // The score and its four parts on one 0–100 scale: side by side, never stacked.
  draw("dimensions", "bar", teams, [
    ...DIMENSIONS.map((d, i) => bars(words(d), o.teams.map((t) => t.dimensions[d] ?? null), i)),
    { ...line("score", o.teams.map((t) => t.score), 4), type: "line", showLine: false, pointRadius: 6, pointStyle: "rectRot" },
  ], axes("team", "points (0–100)", { min: 0, max: 100 }));
  draw("fulfilment", "bar", teams, [bars("package fulfilment %", ofTeams(o, "package_fulfilment"), 0),
    bars("effective contracting %", ofTeams(o, "effective_contracting"), 1)],
  axes("team", "% of contracts", { min: 0, max: 100 }));
  draw("referrals", "bar", teams, [bars("accepted in time %", ofTeams(o, "referral_timeliness"), 2)],
    axes("team", "% of referrals accepted in time", { min: 0, max: 100 }));
  draw("satisfaction", "bar", teams, [bars("satisfied %", ofTeams(o, "satisfaction"), 3),
    { ...line("target 85%", teams.map(() => 85), 4, true), type: "line" }],
  axes("team", "% of ratings satisfied", { min: 0, max: 100 }));
  // Appointments (catalogue 2026.2): shares on one axis, the wait in days on its own.
  document.getElementById("appointments-period").textContent = o.appointments_period
    ? `of ${o.appointments_period}` : "not in this year's catalogue";
  draw("appointments", "bar", teams, [bars("visits booked %", ofTeams(o, "booked_visits"), 0),
    bars("referrals with a priority appointment %", ofTeams(o, "priority_appointments"), 1)],
  axes("team", "% of contracted visits / of up-referrals", { min: 0, max: 100 }));
  draw("waiting", "bar", teams, [bars("mean wait (days)", o.teams.map((t) => t.waiting_days ?? null), 2)],
    axes("team", "days from booking to visit"));
  if (o.money) money(o.money);
  if (o.readings) readings(o.readings);
  settlement(o.settlement);
  ranking(o.teams, o.as_of);
  reconciliation(o.reconciliation);
  areas(o.teams);
}

function settlement(s) {
  const payers = Object.keys({ ...s.due_by_payer, ...(s.open_by_payer || {}) }).sort();
  const settled = Object.entries(s.due_by_payer).map(([payer, due]) =>
    bars(`${words(payer)}, settled`, due.map(yuan), payers.indexOf(payer)));
  const open = Object.entries(s.open_by_payer || {}).map(([payer, due]) => ({  // a month still open: faded
    ...bars(`${words(payer)}, charged, not settled yet`, due.map(yuan), payers.indexOf(payer)),
    backgroundColor: "rgba(128, 128, 128, 0.25)", borderDash: [4, 2], borderWidth: 1 }));
  draw("settlement", "bar", s.periods, [...settled, ...open], axes("settlement month", "yuan", { stacked: true }));
  const t = s.totals_fen;
  const a = s.appraised_fen ?? { released: 0, forfeited: 0 };
  const charged = s.open_totals_fen?.charged ?? 0;
  const shown = {
    due: t.due, withheld: t.withheld, "released by the year's appraisal": a.released,
    "forfeited by the year's appraisal": a.forfeited, adjusted: t.adjusted, settled: t.settled,
    "charged, not settled yet": charged,
  };
  const any = Object.values(shown).some((v) => v);  // all zero: nothing booked yet
  draw("withheld", "bar", Object.keys(shown), [bars("yuan", any ? Object.values(shown).map(yuan) : [], 5)],
    axes("figure", "yuan"));
  document.getElementById("forfeited").textContent = a.forfeited
    ? `¥${yuan(a.forfeited).toLocaleString()} of the withheld share was forfeited: the year's scores fell short`
    : "";
}

// The year's money per team (billing's year-end reconciliation and performance pay): none
// until the year is over and billing has reconciled and distributed it.
function money(m) {
  const names = m.teams.map((t) => t.name ?? t.team_id);
  const of = (key) => m.teams.map((t) => (known(t[key]) ? yuan(t[key]) : null));
  draw("capitation", "bar", names, [bars("budget", of("budget_fen"), 0), bars("spending", of("spending_fen"), 2),
    bars("of which referral fees", of("referral_fees_fen"), 3)], axes("team", "yuan"));
  draw("kept", "bar", names, [bars("surplus kept", of("retained_fen"), 1), bars("overspend borne", of("borne_fen"), 4),
    bars("performance-pay pool", of("pool_fen"), 5)], axes("team", "yuan"));
  const own = m.own_share;
  document.getElementById("own-share").textContent = own
    ? `your share: ¥${yuan(own.amount_fen).toLocaleString()} of your team's pool of ¥${yuan(own.pool_fen).toLocaleString()}`
    : "";
}

// Residents' devices: per team, the alerts its worklist still has open, and the readings flagged
// implausible (a faulty cuff or a wrong clock: kept, never alerting) over the year.
function readings(r) {
  const names = r.teams.map((t) => t.name ?? t.team_id);
  draw("readings", "bar", names, [bars("open alerts", r.teams.map((t) => t.open_alerts), 4),
    bars("flagged readings", r.teams.map((t) => t.flagged), 2)], axes("team", "readings"));
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function grade(g) {
  const td = document.createElement("td");
  if (g) {
    td.innerHTML = `<span class="grade ${g}"></span>`;
    td.firstChild.textContent = g;
  } else {
    td.textContent = "–";
  }
  return td;
}

function ranking(teams, asOf) {
  const body = document.querySelector("#ranking tbody");
  body.replaceChildren(...teams.map((t) => {
    const row = document.createElement("tr");
    const published = t.published;
    row.append(cell(t.rank), cell(t.name), cell(known(t.score) ? t.score.toFixed(1) : "no data"), grade(t.grade),
      cell(published ? published.score.toFixed(1) : "not published", published ? "" : "muted"),
      grade(published?.grade));
    row.title = t.team_id;
    return row;
  }));
  const when = asOf ? new Date(asOf).toLocaleString() : "–";
  const publishedAt = teams.map((t) => t.published?.published_at).find(Boolean);
  document.getElementById("as-of").textContent = `live, as of ${when}` +
    (publishedAt ? ` · published ${new Date(publishedAt).toLocaleDateString()}` : " · no published result for this year yet");
  const panel = document.getElementById("ranking").closest("article");
  panel.classList.toggle("empty", !teams.length);
  panel.querySelector(".no-data").hidden = teams.length > 0;
}

function reconciliation(r) {
  const p = document.getElementById("reconciliation");
  p.className = r.balanced ? "balanced" : "unbalanced";
  p.textContent = r.balanced === null ? "reconciliation: not available"
    : `reconciliation: ${r.balanced ? "balanced" : "NOT balanced"} — ${r.fee_settled_events} FeeSettled events, ${r.unsettled} charges not settled yet`;
}

function areas(teams) {
  const select = document.getElementById("area");
  const known = new Set([...select.options].map((o) => o.value));
  for (const township of [...new Set(teams.map((t) => t.area_code).filter(Boolean))].sort()) {
    if (!known.has(township)) select.add(new Option(`township ${township}`, township));
  }
}

async function refresh() {
  if (halted) return;
  let token;
  try {
    token = await bearer();
  } catch (failure) {
    halt(`could not sign in: ${failure.message}`);
    return;
  }
  if (!token) {
    document.getElementById("signin").hidden = !auth.token_in_link;
    document.getElementById("status").textContent = auth.sign_in || auth.token_in_link
      ? "sign in to see the figures" : "sign-in is not configured (DASHBOARD_OIDC_ISSUER)";
    return;
  }
  document.getElementById("sign-out").hidden = !SignIn.signedIn();
  const q = new URLSearchParams({ period: document.getElementById("period").value, area: document.getElementById("area").value });
  try {
    const answer = await fetch(`/api/overview?${q}`, { headers: { Authorization: `Bearer ${token}` } });
    if (answer.status === 401 && SignIn.signedIn()) {
      halt(`your sign-in was refused: ${(await answer.json()).detail ?? ""}`);
      return;
    }
    if (!answer.ok) throw new Error(`${answer.status} ${(await answer.json()).detail ?? ""}`);
    const overview = await answer.json();
    render(overview);
    document.body.dataset.loadedArea = overview.area;
    document.getElementById("status").textContent = `${overview.period} · area ${overview.area} · updated ${new Date().toLocaleTimeString()}`;
  } catch (failure) {
    document.getElementById("status").textContent = `could not load the figures: ${failure.message}`;
  }
}

document.getElementById("use-token").addEventListener("click", () => {
  if (!auth.token_in_link) return;
  sessionStorage.setItem("token", document.getElementById("token").value.trim());
  document.getElementById("signin").hidden = true;
  refresh();
});
document.getElementById("sign-in").addEventListener("click", () => {
  halted = false;
  SignIn.begin(auth.sign_in).catch((failure) => halt(`could not sign in: ${failure.message}`));
});
document.getElementById("sign-out").addEventListener("click", async () => {
  halted = true;
  sessionStorage.setItem("fdcs.signed-out", "1");  // back from the provider: say so, don't sign in again at once
  if (!(await SignIn.signOut(auth.sign_in).catch(() => false))) halt("signed out");
});
document.getElementById("filters").addEventListener("change", refresh);
fetch("/api/settings").then((r) => r.json()).then((s) => {
  refreshSeconds = s.refresh_seconds;
  auth = { sign_in: s.sign_in, token_in_link: s.token_in_link };
}).finally(() => {
  if (sessionStorage.getItem("fdcs.signed-out")) {
    sessionStorage.removeItem("fdcs.signed-out");
    halt("signed out");
  }
  refresh();
  setInterval(refresh, refreshSeconds * 1000);
});
