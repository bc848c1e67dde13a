// The dashboard: asks /api/overview (with the official's own token) and draws it with Chart.js.
"use strict";

const COLOURS = ["#0d4f8b", "#1e8e3e", "#c77c02", "#8e24aa", "#c5221f", "#00838f", "#6d4c41"];
const DIMENSIONS = ["contracted_services", "effective_contracting", "effective_performance", "service_effect"];
const charts = {};
let refreshSeconds = 5;

function token() {
  const fromLink = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromLink) {
    sessionStorage.setItem("token", fromLink);
    history.replaceState(null, "", location.pathname); // the token does not stay in the address bar
  }
  return sessionStorage.getItem("token");
}

function draw(id, type, labels, datasets, options = {}) {
  const chart = charts[id];
  if (chart) {
    chart.data.labels = labels;
    chart.data.datasets = datasets;
    chart.update("none");
    return;
  }
  charts[id] = new Chart(document.getElementById(id), {
    type, data: { labels, datasets },
    options: { animation: false, responsive: true, plugins: { legend: { position: "bottom" } }, ...options },
  });
}

const percent = (v) => (v === null || v === undefined ? null : Math.round(v * 1000) / 10);
const yuan = (fen) => Math.round(fen) / 100;
const line = (label, data, i, dashed = false) => ({
  label, data, borderColor: COLOURS[i], backgroundColor: COLOURS[i], borderDash: dashed ? [6, 4] : [], pointRadius: dashed ? 0 : 3,
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
  ], { scales: { y: { min: 0, max: 100 } } });
  const teams = o.teams.map((t) => t.team_id);
  draw("dimensions", "bar", teams, DIMENSIONS.map((d, i) => bars(d.replaceAll("_", " "), o.teams.map((t) => t.dimensions[d]), i)),
    { scales: { x: { stacked: true }, y: { stacked: true } } });
  draw("fulfilment", "bar", teams, [bars("package fulfilment %", ofTeams(o, "package_fulfilment"), 0),
    bars("effective contracting %", ofTeams(o, "effective_contracting"), 1)], { scales: { y: { min: 0, max: 100 } } });
  draw("referrals", "bar", teams, [bars("accepted in time %", ofTeams(o, "referral_timeliness"), 2)],
    { scales: { y: { min: 0, max: 100 } } });
  draw("satisfaction", "bar", teams, [bars("satisfied %", ofTeams(o, "satisfaction"), 3),
    { ...line("target 85%", teams.map(() => 85), 4, true), type: "line" }], { scales: { y: { min: 0, max: 100 } } });
  const s = o.settlement;
  const payers = Object.keys({ ...s.due_by_payer, ...(s.open_by_payer || {}) }).sort();
  const settled = Object.entries(s.due_by_payer).map(([payer, due]) =>
    bars(`${payer.replaceAll("_", " ")}, settled`, due.map(yuan), payers.indexOf(payer)));
  const open = Object.entries(s.open_by_payer || {}).map(([payer, due]) => ({  // a month still open: faded
    ...bars(`${payer.replaceAll("_", " ")}, charged, not settled yet`, due.map(yuan), payers.indexOf(payer)),
    backgroundColor: "rgba(128, 128, 128, 0.25)", borderDash: [4, 2], borderWidth: 1 }));
  draw("settlement", "bar", s.periods, [...settled, ...open], { scales: { x: { stacked: true }, y: { stacked: true } } });
  const t = s.totals_fen;
  draw("withheld", "bar", ["due", "withheld", "released", "adjusted", "settled"],
    [bars("yuan", [t.due, t.withheld, t.released, t.adjusted, t.settled].map(yuan), 5)]);
  ranking(o.teams);
  reconciliation(o.reconciliation);
  areas(o.teams);
}

function ranking(teams) {
  const body = document.querySelector("#ranking tbody");
  body.replaceChildren(...teams.map((t) => {
    const row = document.createElement("tr");
    for (const text of [t.rank, t.team_id, t.score === null ? "–" : t.score.toFixed(1)]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.append(cell);
    }
    const grade = document.createElement("td");
    grade.innerHTML = `<span class="grade ${t.grade}"></span>`;
    grade.firstChild.textContent = t.grade;
    row.append(grade);
    return row;
  }));
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
  const bearer = token();
  if (!bearer) {
    document.getElementById("signin").hidden = false;
    document.getElementById("status").textContent = "sign in to see the figures";
    return;
  }
  const q = new URLSearchParams({ period: document.getElementById("period").value, area: document.getElementById("area").value });
  try {
    const answer = await fetch(`/api/overview?${q}`, { headers: { Authorization: `Bearer ${bearer}` } });
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
  sessionStorage.setItem("token", document.getElementById("token").value.trim());
  document.getElementById("signin").hidden = true;
  refresh();
});
document.getElementById("filters").addEventListener("change", refresh);
fetch("/api/settings").then((r) => r.json()).then((s) => { refreshSeconds = s.refresh_seconds; })
  .finally(() => { refresh(); setInterval(refresh, refreshSeconds * 1000); });
