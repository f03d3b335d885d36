/**
 * `routebench run`: plan, execute and summarise a sweep; Ctrl-C keeps every finished trial.
 *
 * Over 300 lines on purpose: the command's options, its dry-run output and its exit paths (an
 * interrupt, trials given up, a report) are what a user sees of a run, kept in one reading order.
 */
import { join } from "node:path";
import { type Command, Option } from "@commander-js/extra-typings";
import { requireRoot } from "../backends/lab/preflight.js";
import { comparisonSentence } from "../report/format.js";
import { readRunFolder } from "../results/log.js";
import { prepareRunFolder } from "../results/out-dir.js";
import { estimateRun, estimateText, servicesText } from "../run/estimate.js";
import type { RunControl } from "../run/execute.js";
import { givenUpTrials, trialFinished } from "../run/execute.js";
import { planRun } from "../run/plan.js";
import { runSweep } from "../run/run.js";
import { designLine } from "../sweep/design.js";
import { loadSweep } from "../sweep/load.js";
import {
  allSweepPoints,
  estimateSwitchSeconds,
  plannedSwitches,
  sweepSegments,
  switchCap,
  switchCostOf,
} from "../sweep/plan.js";
import { quickLeftOutText, quickSelection } from "../sweep/quick.js";
import { PROFILE_SETTINGS, PROFILES } from "../sweep/schema.js";
import { serviceChangeSeconds } from "../sweep/services-cost.js";
import { EnvironmentError, UsageError } from "../util/errors.js";
import { BACKENDS, DEFAULT_SWEEP } from "../vocabulary/vocabulary.js";
import { parseIntegerFlag, printJson, printLine, warn } from "./output.js";
import { formatDuration, Progress } from "./progress.js";
import { renderReport } from "./report.js";
import { LAUNCHER_GONE_EXIT, SAME_INTERRUPT_MS, takeOverSignals } from "./signals.js";

function parsePercent(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || number > 100)
    throw new UsageError(`--target-ci takes a percentage above 0, got ${value}`);
  return number;
}

/**
 * Ctrl-C once: stop after the running trial. Twice (or SIGTERM, SIGHUP): kill it now. Either
 * way the backend cleans up. A second SIGINT within SAME_INTERRUPT_MS of the first is the
 * same Ctrl-C, received from the terminal and relayed by a launcher (signals.ts). The
 * launcher's death (SIGKILL) kills the running trial and exits at once, as SIGKILL would.
 */
export function installInterruptHandlers(
  control: RunControl,
  log: (message: string) => void,
  now: () => number = () => performance.now(),
): () => void {
  let firstInterruptAt = Number.NEGATIVE_INFINITY;
  const giveBack = takeOverSignals((launcher) => {
    control.stopRequested = true;
    control.kill.abort(); // the runner kills the running netperf (SIGKILL) before this returns
    log(
      `\n${launcher.name} (pid ${launcher.pid}), which this run stands in for, is gone: stopping now; finished trials are in trials.jsonl (\`run --resume\`)`,
    );
    process.exit(LAUNCHER_GONE_EXIT); // the lab lock is released on exit (lock.ts)
  });
  const onInterrupt = () => {
    if (!control.stopRequested) {
      control.stopRequested = true;
      firstInterruptAt = now();
      log("\nstopping after the running trial (Ctrl-C again to stop now); finished trials are kept");
    } else if (now() - firstInterruptAt >= SAME_INTERRUPT_MS) {
      control.kill.abort();
    }
  };
  const onTerminate = () => {
    control.stopRequested = true;
    control.kill.abort();
  };
  process.on("SIGINT", onInterrupt);
  process.on("SIGTERM", onTerminate);
  // a closed terminal (SIGHUP) must not leave the lab or the cluster behind either
  process.on("SIGHUP", onTerminate);
  return () => {
    process.off("SIGINT", onInterrupt);
    process.off("SIGTERM", onTerminate);
    process.off("SIGHUP", onTerminate);
    giveBack();
  };
}

/** A switch's time: milliseconds below a second (the lab), else as a duration. */
function switchTime(seconds: number): string {
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : formatDuration(seconds);
}

/** Each profile's settings as `--help` shows them, from PROFILE_SETTINGS so they cannot drift apart. */
function profileHelp(): string {
  return PROFILES.map((name) => {
    const { durationSec, repetitions, targetCiPct, maxRepetitions, timeBudgetMin } = PROFILE_SETTINGS[name];
    const budget = timeBudgetMin ? ` within ${timeBudgetMin} min` : "";
    const adaptive = targetCiPct ? ` or more, up to ${maxRepetitions}, until ±${targetCiPct}%${budget}` : "";
    return `${name} ${durationSec} s × ${repetitions}${adaptive}`;
  }).join("; ");
}

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("run a sweep (default sweeps/blog.yaml, the seed's experiment) and write its results")
    .argument("[sweep]", "sweep file (YAML)")
    .addOption(
      new Option("--profile <profile>", `test length × repetitions: ${profileHelp()}`).choices(PROFILES),
    )
    .option("--out <dir>", "run folder (default results/<runId>)")
    .option("--seed <n>", "seed of the trial order", parseIntegerFlag("--seed"))
    .option("--dry-run", "print the plan and exit")
    .option("--resume <dir>", "continue an interrupted run without repeating finished trials")
    .option(
      "--target-ci <pct>",
      "add interleaved blocks until every comparison of the precision pair (eBPF/legacy when both run) has its 95% CI within ±pct % (up to maxRepetitions and timeBudgetMin of the sweep)",
      parsePercent,
    )
    .option("--label <text>", "label of the run in comparisons and history (default: git commit and date)")
    .addOption(
      new Option("--backend <backend>", "lab (default) or kubernetes; overrides the sweep's backend").choices(
        BACKENDS,
      ),
    )
    .option("--kubeconfig <file>", "kubernetes: the kubeconfig (default $KUBECONFIG or ~/.kube/config)")
    .option("--context <name>", "kubernetes: the kube context")
    .option(
      "--namespace <name>",
      "kubernetes: an existing namespace to use (default: one created and deleted by the run)",
    )
    .option(
      "--explain",
      "lab: after each measured trial, run its twin with the benchmark CPU sampled by perf, and attribute each mode's CPU time to kernel subsystems",
    )
    .option("--report", "render the report right after the run")
    .option("--report-out <dir>", "with --report: the report folder (default reports/<runId>)")
    .option("--json", "print one JSON object at the end instead of progress")
    .option("--history <db>", "add the finished run to this history store (created if missing)")
    .action(async (file: string | undefined, opts) => {
      if (opts.resume && (file || opts.profile || opts.seed !== undefined)) {
        throw new UsageError(
          "--resume continues a run as it was planned: give no sweep file, --profile or --seed with it",
        );
      }
      const sweepFile = file ?? DEFAULT_SWEEP;
      const resume = opts.resume ? { dir: opts.resume, ...(await readRunFolder(opts.resume)) } : undefined;
      const loaded = resume
        ? resume.meta.sweep
        : await loadSweep(sweepFile, {
            profile: opts.profile,
            seed: opts.seed,
            targetCiPct: opts.targetCi,
            backend: opts.backend,
            kubeconfig: opts.kubeconfig,
            context: opts.context,
            namespace: opts.namespace,
          });
      const sweep = opts.explain && !resume ? { ...loaded, explain: true } : loaded;
      // a sweep the cluster backend cannot run (explain without named CPUs among them) is refused before anything is planned or created
      if (sweep.backend === "kubernetes")
        (await import("../backends/kubernetes/sweep-fit.js")).assertRunnableOnKubernetes(sweep);
      // planned once: the dry-run, the disk-room check and the run read this plan
      const plan = planRun({
        sweep,
        resume,
        outDir: opts.out,
        label: opts.label,
        command: ["routebench", ...process.argv.slice(2)],
      });
      const { trials, points } = plan;
      const all = allSweepPoints(sweep);
      const leftOut =
        sweep.profile === "quick" ? quickLeftOutText(quickSelection(all).leftOut, all.length) : null;

      const estimate = estimateRun(sweep, points, trials, resume?.trials);
      if (opts.dryRun) {
        const left = resume
          ? trials.filter((t) => !trialFinished(resume.trials, t.id, sweep.retries))
          : trials;
        const cost = switchCostOf(sweep);
        const switches = plannedSwitches(sweep, trials);
        const switchSec = estimateSwitchSeconds(sweep, left);
        const dryRun = {
          sweep: sweep.name,
          points: points.length,
          trials: trials.length,
          ...(resume ? { trialsLeft: left.length } : {}),
          modeSwitches: switches,
          switchCost: { ...cost, typicalSec: cost.typicalSec },
          maxSwitches: switchCap(sweep) ?? null,
          segments: sweepSegments(sweep),
          durationSec: sweep.durationSec,
          repetitions: sweep.repetitions,
          order: sweep.order,
          seed: sweep.seed,
          estimatedSec: Math.round(estimate.minSec + switchSec + estimate.services.sec),
          ...(estimate.adaptive
            ? {
                estimatedMaxSec: Math.round(estimate.adaptive.maxSec + switchSec + estimate.services.maxSec),
                maxTrials: estimate.adaptive.maxTrials,
              }
            : {}),
          trialsSec: Math.round(estimate.minSec),
          switchesSec: Math.round(switchSec),
          ...(sweep.lab.services
            ? {
                serviceCountChanges: estimate.services.changes,
                serviceCountChangesSec: Math.round(estimate.services.sec),
              }
            : {}),
          ...(sweep.profile === "quick" ? { leftOut: quickSelection(all).leftOut.map((p) => p.key) } : {}),
          trialOrder: left.map((t) => t.id),
        };
        if (opts.json) return printJson(dryRun);
        printLine(
          `${dryRun.trials} trials (${dryRun.points} points × ${sweep.order === "interleaved" ? `${sweep.modes.length} modes × ${sweep.repetitions} repetitions` : `blocks per mode: ${sweep.modes.map((m) => `${m} ${new Set(trials.filter((t) => t.mode === m).map((t) => t.block)).size}`).join(", ")}`}), ${sweep.durationSec} s each, ${sweep.order} order (seed ${sweep.seed}), ${switches} mode switches${dryRun.maxSwitches === null ? "" : ` (at most ${dryRun.maxSwitches})`}`,
        );
        printLine(`design: ${designLine(sweep)}`);
        printLine(
          cost.switches
            ? `mode switches: ${switches} × ~${switchTime(cost.typicalSec)} expected (${cost.what}; ${switchTime(cost.rangeSec[0])}–${switchTime(cost.rangeSec[1])}${cost.replacesNodes ? ", replaces the nodes" : ""}${sweep.switchCostSec === undefined ? "" : ", switchCostSec from the sweep"}) = ${formatDuration(dryRun.switchesSec)}`
            : `mode switches: none (${cost.what})`,
        );
        if (sweep.lab.services) {
          const [low, high] = [Math.min(...sweep.lab.services), Math.max(...sweep.lab.services)];
          const change = (from: number, to: number) =>
            switchTime(serviceChangeSeconds(from, to, sweep.lab.nodes));
          printLine(
            `Service-count changes: ${estimate.services.changes} (each rewrites every node's nat tables at the new count and changes the socket LB's map: ~${change(low, high)} from ${low} to ${high} Services, ~${change(high, low)} back) = ${formatDuration(estimate.services.sec)}`,
          );
        }
        if (sweep.order !== "interleaved" && PROFILE_SETTINGS[sweep.profile].targetCiPct !== undefined)
          printLine(
            `adaptive phase: off (the ${sweep.order} design plans its switches up front; more precision: more repetitions)`,
          );
        if (resume)
          printLine(
            `resuming ${resume.dir}: ${left.length} of the ${trials.length} planned trials left (${resume.trials.length} attempts recorded)`,
          );
        printLine(
          estimate.adaptive
            ? `estimated duration: ${estimateText(estimate, formatDuration)}${dryRun.switchesSec >= 1 ? `, plus switches ${formatDuration(dryRun.switchesSec)}` : ""}${servicesText(estimate, formatDuration)}`
            : `estimated duration: ${formatDuration(dryRun.estimatedSec)} (trials ${formatDuration(dryRun.trialsSec)}, switches ${formatDuration(dryRun.switchesSec)}${sweep.lab.services ? `, Service-count changes ${formatDuration(estimate.services.sec)}` : ""})`,
        );
        if (leftOut) printLine(leftOut);
        printLine("order:");
        for (const id of dryRun.trialOrder.slice(0, 20)) printLine(`  ${id}`);
        if (dryRun.trialOrder.length > 20)
          printLine(`  … and ${dryRun.trialOrder.length - 20} more (--json lists them all)`);
        return;
      }

      if (sweep.backend === "lab") requireRoot("run on the lab");
      // everything the run will write is checked before the lab or the cluster is touched
      prepareRunFolder(plan.dir, plan.maxAttempts, { resume: plan.resumed });
      if (opts.history) await (await import("./history.js")).checkHistoryStore(opts.history);
      if (sweep.backend === "kubernetes" && !resume) {
        // the preflight first: a run that cannot succeed should fail before it switches anything
        const { formatChecks } = await import("../backends/kubernetes/check.js");
        const checks = await (await import("./k8s.js")).preflight(sweep, () => undefined);
        const failed = checks.filter((c) => c.status === "fail");
        if (failed.length > 0)
          throw new EnvironmentError(
            `the cluster is not ready for this sweep:\n${formatChecks(failed)}`,
            "fix the failing checks (`routebench k8s check` re-runs them)",
          );
      }
      const progress = Progress.for(process.stderr, Boolean(opts.json), sweep.durationSec + 0.2);
      const control: RunControl = { stopRequested: false, kill: new AbortController() };
      const uninstall = installInterruptHandlers(control, progress.log);
      progress.log(
        `${estimate.trials} trials${resume ? " left" : ""}, ${sweep.order} order, ${plannedSwitches(sweep, trials)} mode switches, about ${
          estimate.adaptive
            ? `${estimateText(estimate, formatDuration)}${servicesText(estimate, formatDuration)}`
            : formatDuration(
                estimate.minSec * (sweep.explain ? 2 : 1) +
                  estimateSwitchSeconds(sweep, trials) +
                  estimate.services.sec,
              )
        }${sweep.explain ? " (explain: a profiled twin after each counted trial)" : ""}`,
      );
      if (leftOut) progress.log(leftOut);
      let outcome: Awaited<ReturnType<typeof runSweep>>;
      try {
        outcome = await runSweep({
          plan,
          sweep,
          // @kubernetes/client-node loads only for Kubernetes runs (it takes ~0.7 s)
          backend:
            sweep.backend === "kubernetes"
              ? (await import("../backends/kubernetes/backend.js")).kubernetesBackend()
              : (await import("../backends/lab/backend.js")).labBackend(),
          command: plan.command,
          control,
          log: progress.log,
          onProgress: progress.handle,
        });
      } finally {
        uninstall();
        progress.clear();
      }
      const { results, dir } = outcome;
      const report =
        opts.report && results.summary.completedTrials > 0
          ? await renderReport(results, opts.reportOut, undefined, dir)
          : undefined;
      if (opts.json) {
        printJson({
          runId: results.runId,
          dir,
          state: results.state,
          report: report?.main,
          summary: results.summary,
        });
      } else {
        printLine(
          `${results.state}: ${results.summary.completedTrials} trials completed, ${results.summary.failedTrials} failed attempts`,
        );
        for (const c of results.summary.comparisons.filter(
          (c) => c.baseline === "legacy" && c.candidate === "ebpf",
        )) {
          printLine(`  ${comparisonSentence(c)}`);
        }
        for (const w of results.summary.warnings) printLine(`warning: ${w.reason}\n  hint: ${w.hint}`);
        printLine(`results: ${join(dir, "results.json")}`);
        if (report) printLine(`report: ${report.main}`);
      }
      if (opts.history && results.state === "completed")
        await (await import("./history.js")).addToHistory(
          opts.history,
          [results],
          opts.json ? warn : printLine,
        );
      // an error raised while an interrupted run stopped is told, and the exit still says interrupted
      if (outcome.error && results.state !== "aborted") throw outcome.error;
      if (outcome.error) warn(`while stopping: ${(outcome.error as Error).message ?? String(outcome.error)}`);
      const gaveUp = givenUpTrials(results.trials, results.sweep.retries);
      if (results.state === "aborted") {
        warn(`interrupted: resume with routebench run --resume ${dir}`);
        process.exitCode = 130;
      } else if (control.stopRequested) {
        // interrupted after the last trial (while the summary was written): nothing is missing,
        // but an interrupted command does not report success
        warn("interrupted after the last trial: every planned trial ran and the results are complete");
        process.exitCode = 130;
      } else if (gaveUp.length > 0) {
        warn(
          `${gaveUp.length} trial(s) failed or were rejected (wrong path, mode switched) in every attempt; their figures are not counted: ${gaveUp.slice(0, 5).join(", ")}${gaveUp.length > 5 ? ", …" : ""}`,
        );
        process.exitCode = 1;
      }
    });
}
