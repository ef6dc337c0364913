// Draws the dashboard's charts (Chart.js 4) from the JSON the page embeds.
// Each chart's numbers are also in the table under it, for screen readers and without JS.
(function () {
  "use strict";
  const colours = ["#1d4ed8", "#b91c1c", "#92400e", "#166534", "#6d28d9", "#0e7490", "#be185d"];

  function draw(id, config) {
    const canvas = document.getElementById("chart-" + id);
    if (canvas) new window.Chart(canvas, config);
  }

  function lines(labels, sets, options) {
    return {
      type: options && options.type || "line",
      data: {
        labels: labels,
        datasets: sets.map((set, i) => ({
          label: set.label,
          data: set.data,
          borderColor: colours[i % colours.length],
          backgroundColor: colours[i % colours.length],
          tension: 0.2,
          pointRadius: labels.length > 60 ? 0 : 2,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: options && options.horizontal ? "y" : "x",
        scales: { y: { beginAtZero: true }, x: { beginAtZero: true } },
      },
    };
  }

  function referrals() {
    const source = document.getElementById("referral-data");
    if (!source || !window.Chart) return;
    const d = JSON.parse(source.textContent);
    draw("referrals", lines(d.months, [
      { label: "Invites", data: d.invites },
      { label: "Completions", data: d.completions },
    ], { type: "bar" }));
  }

  function start() {
    referrals();
    const source = document.getElementById("analytics-data");
    if (!source || !window.Chart) return;
    const d = JSON.parse(source.textContent);
    const s = d.series;
    draw("points", lines(d.days, [
      { label: "Issued", data: s.issued },
      { label: "Redeemed", data: s.redeemed },
      { label: "Expired", data: s.expired },
    ]));
    draw("outstanding", lines(d.days, [{ label: "Outstanding points", data: d.outstanding }]));
    draw("activity", lines(d.days, [
      { label: "Active members", data: s.active_members },
      { label: "Events", data: s.events },
    ]));
    const titles = d.offers.map((o) => o.title);
    const offers = lines(titles, [
      { label: "Redemptions", data: d.offers.map((o) => o.redeemed) },
      { label: "Points spent", data: d.offers.map((o) => o.points) },
    ], { type: "bar", horizontal: true });
    // Counts and points differ by orders of magnitude: one axis each.
    offers.data.datasets[1].xAxisID = "points";
    offers.options.scales.points = { position: "top", beginAtZero: true, grid: { drawOnChartArea: false } };
    draw("offers", offers);
    draw("funnel", lines(titles, [
      { label: "Redeemed", data: d.offers.map((o) => o.redeemed) },
      { label: "Code issued", data: d.offers.map((o) => o.issued) },
      { label: "Used", data: d.offers.map((o) => o.used) },
    ], { type: "bar", horizontal: true }));
    draw("tiers", {
      type: "doughnut",
      data: {
        labels: d.tiers.map((t) => t.name),
        datasets: [{ data: d.tiers.map((t) => t.members), backgroundColor: colours }],
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false },
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
