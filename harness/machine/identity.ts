/**
 * The machine's identity: which CPU (vendor, family, model, stepping, microcode), its nominal
 * clock, the hypervisor under it and the kernel build. A ratio measured here belongs to this
 * machine: the same code gave same-node TCP_RR eBPF/legacy 1.27× on one VM and 1.15× on a
 * slower one of the same kind, so a results file names the machine its figures came from.
 *
 * The parsers are pure (tests feed them captured files); `readMachineIdentity` reads `/proc`,
 * `/sys` and the kernel log (`/dev/kmsg`, non-blocking, root only) and never starts a process.
 */
import { closeSync, constants, openSync, readFileSync, readSync } from "node:fs";
import type { MachineIdentity } from "../results/schema.js";

/** The first processor's fields of /proc/cpuinfo ("key : value"), keys as printed. */
export function cpuinfoFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      if (Object.keys(fields).length > 0) break; // the first processor's block only
      continue;
    }
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    fields[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return fields;
}

/** Processors listed in /proc/cpuinfo. */
function processorCount(text: string): number {
  return (text.match(/^processor\s*:/gm) ?? []).length;
}

/** "Intel(R) Xeon(R) Platinum 8370C CPU @ 2.80GHz" → 2800; null when the name carries no clock. */
export function nominalMHzFromModelName(modelName: string): number | null {
  const match = /@\s*([0-9]+(?:\.[0-9]+)?)\s*GHz/i.exec(modelName);
  return match ? Math.round(Number(match[1]) * 1000) : null;
}

/** "Hypervisor detected: KVM" in the kernel log → "KVM"; null when absent. */
export function hypervisorFromKernelLog(log: string): string | null {
  return /Hypervisor detected:\s*(.+)$/m.exec(log)?.[1]?.trim() ?? null;
}

export interface IdentitySources {
  cpuinfo: string;
  /** /proc/version: the kernel's build string (compiler, build host, date). */
  procVersion: string;
  /** /sys/devices/system/cpu/cpu0/cpufreq/base_frequency (kHz), where the driver exposes it. */
  baseFrequencyKHz?: string | null;
  /** /sys/hypervisor/type (Xen). */
  sysHypervisorType?: string | null;
  /** /sys/class/dmi/id/sys_vendor and product_name (KVM, Hyper-V, EC2, GCE…). */
  dmiVendor?: string | null;
  dmiProduct?: string | null;
  /** The kernel log's lines (for "Hypervisor detected: …"). */
  kernelLog?: string | null;
}

/** The identity from captured sources. Pure. */
export function parseMachineIdentity(sources: IdentitySources): MachineIdentity {
  const f = cpuinfoFields(sources.cpuinfo);
  const int = (key: string) => {
    const value = f[key];
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : null;
  };
  const modelName = f["model name"] ?? f.Model ?? "unknown";
  const fromName = nominalMHzFromModelName(modelName);
  const baseKHz = Number(sources.baseFrequencyKHz?.trim());
  const reported = Number(f["cpu MHz"]);
  const [nominalMHz, nominalMHzSource]: [number | null, MachineIdentity["nominalMHzSource"]] =
    fromName !== null
      ? [fromName, "model name"]
      : Number.isFinite(baseKHz) && baseKHz > 0
        ? [Math.round(baseKHz / 1000), "cpufreq base_frequency"]
        : Number.isFinite(reported) && reported > 0
          ? [Math.round(reported), "cpuinfo cpu MHz"]
          : [null, "unknown"];
  const flags = (f.flags ?? "").split(/\s+/);
  const dmi = [sources.dmiVendor, sources.dmiProduct]
    .map((s) => s?.trim())
    .filter((s) => s)
    .join(" ");
  const hypervisor =
    hypervisorFromKernelLog(sources.kernelLog ?? "") ??
    (sources.sysHypervisorType?.trim() || null) ??
    (flags.includes("hypervisor") ? (dmi ? dmi : "unnamed (cpuinfo flag)") : null);
  return {
    vendor: f.vendor_id ?? "unknown",
    family: int("cpu family"),
    model: int("model"),
    stepping: int("stepping"),
    microcode: f.microcode ?? null,
    modelName,
    nominalMHz,
    nominalMHzSource,
    hypervisor,
    ...(dmi ? { platform: dmi } : {}),
    kernelBuild: sources.procVersion.trim(),
    cpuCount: processorCount(sources.cpuinfo),
  };
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/**
 * The kernel log's records, read without blocking from /dev/kmsg (root only): where the
 * kernel names its hypervisor ("Hypervisor detected: KVM"), which /proc does not say.
 */
function readKernelLog(maxRecords = 5000): string | null {
  let fd: number;
  try {
    fd = openSync("/dev/kmsg", constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  const lines: string[] = [];
  const buffer = Buffer.alloc(8192);
  try {
    for (let i = 0; i < maxRecords; i++) {
      let n: number;
      try {
        n = readSync(fd, buffer, 0, buffer.length, null);
      } catch (error) {
        // EPIPE: a record was overwritten while reading; go on. EAGAIN: the end.
        if ((error as NodeJS.ErrnoException).code === "EPIPE") continue;
        break;
      }
      if (n <= 0) break;
      const record = buffer.toString("utf8", 0, n);
      lines.push(record.slice(record.indexOf(";") + 1).split("\n")[0] ?? "");
      if (/Hypervisor detected/.test(record)) break;
    }
  } finally {
    closeSync(fd);
  }
  return lines.join("\n");
}

/** This machine's identity, from /proc, /sys and the kernel log. */
export function readMachineIdentity(): MachineIdentity {
  return parseMachineIdentity({
    cpuinfo: readOrNull("/proc/cpuinfo") ?? "",
    procVersion: readOrNull("/proc/version") ?? "unknown",
    baseFrequencyKHz: readOrNull("/sys/devices/system/cpu/cpu0/cpufreq/base_frequency"),
    sysHypervisorType: readOrNull("/sys/hypervisor/type"),
    dmiVendor: readOrNull("/sys/class/dmi/id/sys_vendor"),
    dmiProduct: readOrNull("/sys/class/dmi/id/product_name"),
    kernelLog: readKernelLog(),
  });
}

/** One line naming the machine, for headlines: "AMD EPYC (AuthenticAMD family 26 model 2 stepping 1, microcode …), 2 CPUs at 2096 MHz, PVM hypervisor, kernel …". */
export function describeMachine(m: MachineIdentity, kernel?: string): string {
  const cpu = [
    m.vendor,
    m.family !== null ? `family ${m.family}` : null,
    m.model !== null ? `model ${m.model}` : null,
    m.stepping !== null ? `stepping ${m.stepping}` : null,
  ]
    .filter((s) => s)
    .join(" ");
  const microcode = m.microcode ? `microcode ${m.microcode}` : "microcode not exposed";
  const clock =
    m.nominalMHz === null
      ? ""
      : ` at ${m.nominalMHz} MHz${m.nominalMHzSource === "cpuinfo cpu MHz" ? " (reported clock)" : ""}`;
  const hv = m.hypervisor ? `, under ${m.hypervisor}` : ", no hypervisor detected";
  const kernelText = kernel ?? /^Linux version (\S+)/.exec(m.kernelBuild)?.[1] ?? m.kernelBuild;
  return `${m.modelName} (${cpu}, ${microcode}), ${m.cpuCount} CPU${m.cpuCount === 1 ? "" : "s"}${clock}${hv}, kernel ${kernelText}`;
}
