/**
 * The HTML report in a real browser: Debian's Chromium, headless, driven by playwright-core
 * (no browser download). No console errors; every chart has marks; a screenshot is kept. The
 * real lab run's report, then a synthetic run over the Service count (its own charts).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { writeReport } from "../../harness/report/write.js";
import type { Results } from "../../harness/results/schema.js";
import { servicesRun } from "../unit/report/services-run.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url);

describe("HTML report in headless Chromium", () => {
  it("loads without console errors and shows every chart with marks", async () => {
    // In CI setup.sh installs chromium: its absence is a failure there, never a skip.
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: run bash scripts/setup.sh`).toBe(true);
    const results = JSON.parse(
      readFileSync(new URL("../fixtures/results/mini-lab.json", import.meta.url), "utf8"),
    ) as Results;
    const dir = mkdtempSync(join(tmpdir(), "rb-report-"));
    await writeReport(results, dir, ["html"]);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
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
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(message.text());
      });
      page.on("pageerror", (error) => problems.push(error.message));
      const requests: string[] = [];
      page.on("request", (request) => {
        if (!request.url().startsWith("file:")) requests.push(request.url());
      });
      await page.goto(`file://${join(dir, "index.html")}`, { waitUntil: "load" });

      const charts = await page.$$eval("figure[data-chart]", (figures) =>
        figures.map((figure) => ({
          id: figure.getAttribute("data-chart"),
          marks: figure.querySelectorAll(".role-mark > *").length,
          width: figure.querySelector("svg")?.getBoundingClientRect().width ?? 0,
        })),
      );
      expect(charts.map((c) => c.id)).toEqual([
        "throughput-same-node",
        "throughput-cross-node",
        "gain",
        "latency",
        "tps",
        "repetitions",
      ]);
      for (const chart of charts) {
        expect(chart.marks, `${chart.id} has no marks`).toBeGreaterThan(0);
        expect(chart.width).toBeGreaterThan(200);
      }
      expect(await page.locator("table").count()).toBeGreaterThanOrEqual(4);
      expect(problems).toEqual([]);
      expect(requests).toEqual([]); // self-contained: nothing fetched from the network

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS.pathname, "report.png"), fullPage: true });
      await page.emulateMedia({ media: "print" });
      await page.pdf({ path: join(ARTIFACTS.pathname, "report.pdf"), format: "A4" });

      // a run over the Service count (synthetic): its charts, the Service-count ones among them
      const services = mkdtempSync(join(tmpdir(), "rb-report-services-"));
      await writeReport(servicesRun(), services, ["html"]);
      await page.emulateMedia({ media: "screen" });
      await page.goto(`file://${join(services, "index.html")}`, { waitUntil: "load" });
      const serviceCharts = await page.$$eval("figure[data-chart]", (figures) =>
        figures.map((figure) => ({
          id: figure.getAttribute("data-chart"),
          marks: figure.querySelectorAll(".role-mark > *").length,
        })),
      );
      expect(serviceCharts.map((c) => c.id)).toEqual(
        expect.arrayContaining(["services-TCP_CRR", "services-TCP_RR"]),
      );
      for (const chart of serviceCharts) expect(chart.marks, `${chart.id} has no marks`).toBeGreaterThan(0);
      expect(await page.locator("#table-services-TCP_CRR tbody tr").count()).toBe(12);
      expect(problems).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS.pathname, "report-services.png"), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
