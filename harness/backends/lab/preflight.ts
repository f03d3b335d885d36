/** Checks that the machine can run the lab, with messages that say what to install or do. */
import { access, constants } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { EnvironmentError } from "../../util/errors.js";
import { type Runner, runChecked } from "../../util/runner.js";
import { BPF_PIN_ROOT } from "./plan.js";

/** Programs the lab drives and the Debian package that brings each. */
export const LAB_TOOLS: Record<string, string> = {
  ip: "iproute2",
  tc: "iproute2",
  bpftool: "bpftool",
  iptables: "iptables",
  "iptables-save": "iptables",
  "iptables-restore": "iptables",
  ip6tables: "iptables",
  "ip6tables-restore": "iptables",
  conntrack: "conntrack",
  nsenter: "util-linux",
  taskset: "util-linux",
  mountpoint: "util-linux",
  sysctl: "procps",
  netperf: "netperf (Debian non-free)",
  netserver: "netperf (Debian non-free)",
};

export function requireRoot(what: string): void {
  if (process.getuid && process.getuid() !== 0) {
    throw new EnvironmentError(
      `${what} needs root: it creates network namespaces, loads BPF and starts netserver`,
      "run it as root (sudo routebench ...)",
    );
  }
}

async function onPath(program: string): Promise<boolean> {
  const dirs = (process.env.PATH ?? "").split(delimiter).concat(["/usr/sbin", "/sbin"]);
  for (const dir of dirs) {
    try {
      await access(join(dir, program), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

/** Throws naming every missing program and its Debian package. */
export async function requireTools(tools: Record<string, string> = LAB_TOOLS): Promise<void> {
  const missing: string[] = [];
  for (const [program, pkg] of Object.entries(tools)) {
    if (!(await onPath(program))) missing.push(`${program} (package ${pkg})`);
  }
  if (missing.length > 0) {
    throw new EnvironmentError(
      `missing programs: ${missing.join(", ")}`,
      "run `bash scripts/setup.sh` as root: it installs them (netperf from Debian's non-free component)",
    );
  }
}

export async function requireFile(path: string, hint: string): Promise<void> {
  try {
    await access(path, constants.R_OK);
  } catch {
    throw new EnvironmentError(`${path} is missing`, hint);
  }
}

/** Mounts the BPF filesystem at /sys/fs/bpf when it is not mounted (systemd usually does). */
export async function ensureBpffs(runner: Runner): Promise<void> {
  const mounted = await runner.run(["mountpoint", "-q", BPF_PIN_ROOT]);
  if (mounted.exitCode === 0) return;
  await runChecked(runner, ["mount", "-t", "bpf", "bpf", BPF_PIN_ROOT]);
}
