// Opens the HTML review report in the machine's Chromium (headless), as a reviewer would,
// and prints what the browser made of it as one JSON object: the sections, the counts the
// page shows, whether anything was fetched from elsewhere, whether the page is wider than
// the window, what the console said. Also writes a full-page and a first-screen
// screenshot and prints the page to PDF.
//
// usage: node review.mjs REPORT.html OUT_DIR
// CHROMIUM names the browser (default /usr/bin/chromium).
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [report, outDir] = process.argv.slice(2);
if (!report || !outDir) {
  console.error("usage: node review.mjs REPORT.html OUT_DIR");
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const requests = [];
  const console_ = [];
  page.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith("file:") && !u.startsWith("data:")) requests.push(u);
  });
  page.on("console", (m) => console_.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => console_.push(`pageerror: ${e.message}`));
  await page.goto(pathToFileURL(report).href, { waitUntil: "load" });

  const dom = await page.evaluate(() => {
    const all = (s) => [...document.querySelectorAll(s)];
    const count = (s) => document.querySelectorAll(s).length;
    const byData = (s, key) =>
      Object.fromEntries(all(s).map((e) => [e.dataset[key], Number(e.dataset.value)]));
    const practices = {};
    for (const tr of all("tr.practice")) {
      practices[tr.dataset.status] = (practices[tr.dataset.status] || 0) + 1;
    }
    const matrices = {};
    for (const t of all("table.matrix")) {
      matrices[t.dataset.bucket] = t.querySelectorAll("tbody tr").length;
    }
    const changes = {};
    for (const t of all("table.changes")) {
      changes[t.dataset.kind] = {
        said: Number(t.dataset.value),
        rows: t.querySelectorAll("tr.change").length,
      };
    }
    const visible = (e) => {
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.height > 0;
    };
    return {
      title: document.title,
      h1: document.querySelector("h1")?.innerText ?? "",
      sections: all("section[id]").map((s) => s.id),
      sections_visible: all("section[id]").every(visible),
      tiles: byData("[data-count]", "count"),
      verdict_tiles: byData("[data-verdict]", "verdict"),
      findings: {
        fail: count("article.finding[data-status=fail]"),
        not_assessed: count("article.finding[data-status=not_assessed]"),
        pass: count("article.finding[data-status=pass]"),
      },
      finding_fingerprints: all("article.finding").map((a) => a.dataset.fingerprint),
      accepted: all("article.finding.suppressed").map((a) => a.dataset.code),
      practices,
      practice_rows: count("tr.practice"),
      checks: count("tr.check"),
      gaps: count("tr.gap"),
      matrices,
      changes,
      remediations: Object.fromEntries(
        all("article.finding[data-status=fail]").map((a) => [
          a.dataset.fingerprint,
          a.querySelector(".remediation")?.innerText ?? "",
        ]),
      ),
      scripts: count("script"),
      external_links_in_head: count("head link, img[src^=http], iframe"),
      wider_than_window: document.documentElement.scrollWidth > window.innerWidth,
    };
  });

  await page.screenshot({ path: join(outDir, "review-report-top.png") });
  await page.screenshot({ path: join(outDir, "review-report.png"), fullPage: true });
  for (const id of ["state-access", "findings"]) {
    const box = await page.locator(`#${id}`).boundingBox();
    if (box) {
      await page.screenshot({
        path: join(outDir, `review-report-${id}.png`),
        fullPage: true,
        clip: { x: 0, y: box.y, width: 1280, height: Math.min(1000, box.height) },
      });
    }
  }
  await page.emulateMedia({ media: "print" });
  const pdf = join(outDir, "review-report.pdf");
  await page.pdf({ path: pdf, format: "A4" });
  const pdfText = readFileSync(pdf, "latin1");
  const pages = (pdfText.match(/\/Type\s*\/Page[^s]/g) || []).length;
  console.log(
    JSON.stringify({ ...dom, requests, console: console_, pdf_pages: pages, browser: browser.version() }),
  );
} finally {
  await browser.close();
}
