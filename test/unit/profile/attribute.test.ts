import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { attribute, classifyChain } from "../../../harness/profile/attribute.js";
import { foldedText, foldPerfScript, formatFolded, parseFolded } from "../../../harness/profile/folded.js";
import { baseSymbol, classifySymbol } from "../../../harness/profile/subsystems.js";

/** Call chains captured in the lab (perf record -e cpu-clock -C 1 -g -F 999, 3 s of TCP_RR 1,1), trimmed. */
const captured = (name: string) =>
  parseFolded(readFileSync(new URL(`../../fixtures/profile/${name}`, import.meta.url), "utf8"), name);

/** The captured chain that ends with these frames (innermost last). */
function chainEndingWith(stacks: Map<string, number>, ...tail: string[]): string {
  const suffix = tail.map((f) => `${f}_[k]`).join(";");
  const found = [...stacks.keys()].find((c) => c.endsWith(suffix));
  if (!found) throw new Error(`no captured chain ends with ${suffix}`);
  return found;
}

describe("the symbol table", () => {
  it("drops the compiler's clone suffixes and prefers the longest prefix", () => {
    expect(baseSymbol("finish_task_switch.isra.0")).toBe("finish_task_switch");
    expect(baseSymbol("do_softirq.part.0")).toBe("do_softirq");
    expect(classifySymbol("br_nf_pre_routing")).toEqual({ subsystem: "devices", scope: true });
    expect(classifySymbol("br_handle_frame")).toEqual({ subsystem: "devices", scope: false });
    expect(classifySymbol("bpf_prog_c8988374c652ffdc_rb_host_route")).toEqual({
      subsystem: "ebpf",
      scope: true,
    });
    expect(classifySymbol("__nf_conntrack_find_get")?.subsystem).toBe("conntrack");
    expect(classifySymbol("ip_finish_output2")).toBeNull(); // shared by forwarding and local output: its caller decides
  });
});

describe("attribution by call chain, on captured lab chains", () => {
  const legacy = captured("legacy-same-tcp-rr.folded");
  const ebpf = captured("ebpf-same-tcp-rr.folded");
  const legacyCross = captured("legacy-cross-tcp-rr.folded");
  const ebpfCross = captured("ebpf-cross-tcp-rr.folded");

  it("gives a scoped subsystem everything beneath it, the innermost scope winning", () => {
    // a hash lookup inside conntrack, itself inside netfilter's hook: conntrack
    expect(classifyChain(chainEndingWith(legacy, "nf_conntrack_in", "__nf_conntrack_find_get"))).toEqual({
      subsystem: "conntrack",
      kind: "busy",
    });
    // the FORWARD chain's table walk inside ip_forward: netfilter, not forwarding
    expect(
      classifyChain(
        chainEndingWith(legacy, "ip_forward", "nf_hook_slow", "nft_do_chain_ipv4", "nft_do_chain"),
      ).subsystem,
    ).toBe("netfilter");
    // the fabric bridge's netfilter glue: a free inside it is the bridge's (devices), not netfilter's
    expect(
      classifyChain(
        chainEndingWith(
          ebpfCross,
          "nf_hook_slow",
          "br_nf_post_routing",
          "br_nf_dev_queue_xmit",
          "kmem_cache_free",
        ),
      ).subsystem,
    ).toBe("devices");
    // the bridge's own netfilter hook (br_netfilter, empty): the underlay's, in both modes, not netfilter's
    expect(
      classifyChain(chainEndingWith(ebpfCross, "br_handle_frame", "br_nf_pre_routing", "nf_hook_slow"))
        .subsystem,
    ).toBe("devices");
    expect(classifyChain(chainEndingWith(ebpfCross, "br_forward_finish", "nf_hook_slow")).subsystem).toBe(
      "devices",
    );
  });

  it("otherwise lets the innermost named frame decide, and sends unnamed frames to their caller", () => {
    const routeLookup = [...legacy.keys()].find(
      (c) => c.includes(";ip_forward_[k]") === false && c.includes("fib_table_lookup"),
    );
    if (routeLookup) expect(classifyChain(routeLookup).subsystem).toBe("route");
    // a context switch while TCP waits for data: the scheduler's, wherever the sample landed (pvm_irq_enable)
    const wait = [...legacy.keys()].find(
      (c) => c.includes("sk_wait_data_[k]") && c.endsWith("pvm_irq_enable_[k]"),
    );
    expect(wait && classifyChain(wait).subsystem).toBe("scheduler");
    // netperf's own code
    expect(classifyChain("netperf;__send;[libc.so.6]")).toEqual({ subsystem: "user", kind: "busy" });
  });

  it("keeps other tasks on the benchmark CPU apart, unless they do network work", () => {
    const foreign = [...legacy.keys()].find((c) => c.startsWith("V8Worker"));
    expect(foreign && classifyChain(foreign).kind).toBe("foreign");
    expect(
      classifyChain(
        "node;[node];asm_sysvec_apic_timer_interrupt_[k];__irq_exit_rcu_[k];handle_softirqs_[k];net_rx_action_[k];__napi_poll_[k];process_backlog_[k]",
      ),
    ).toEqual({
      subsystem: "devices",
      kind: "busy",
    });
    expect(
      classifyChain("swapper;cpu_startup_entry_[k];do_idle_[k];default_idle_[k];pv_native_safe_halt_[k]"),
    ).toEqual({
      subsystem: "scheduler",
      kind: "idle",
    });
  });

  it("finds netfilter, conntrack and forwarding in legacy and none of them in eBPF, which shows its program", () => {
    for (const stacks of [legacy, legacyCross]) {
      const a = attribute(stacks);
      expect(a.bySubsystem.netfilter).toBeGreaterThan(0);
      expect(a.bySubsystem.conntrack).toBeGreaterThan(0);
      expect(a.bySubsystem.forwarding).toBeGreaterThan(0);
    }
    for (const stacks of [ebpf, ebpfCross]) {
      const a = attribute(stacks);
      expect(a.bySubsystem.netfilter).toBe(0);
      expect(a.bySubsystem.conntrack).toBe(0);
      expect(a.bySubsystem.forwarding).toBe(0);
      expect(a.bySubsystem.ebpf).toBeGreaterThan(0);
    }
    const a = attribute(legacy);
    expect(a.busy + a.idle + a.foreign).toBe(a.samples);
    expect(Object.values(a.bySubsystem).reduce((x, y) => x + y, 0)).toBe(a.busy);
  });
});

describe("perf script to folded stacks", () => {
  const script = readFileSync(
    new URL("../../fixtures/profile/ebpf-same-perf-script.txt", import.meta.url),
    "utf8",
  );

  it("folds each sample's chain root first, comm first, kernel frames annotated _[k]", () => {
    const folded = foldPerfScript(script);
    expect(folded.samples).toBe(7);
    const chains = [...folded.stacks.keys()];
    expect(chains).toContain(
      "sleep;__GI___execve;entry_SYSCALL_64_after_hwframe_[k];do_syscall_64_[k];__x64_sys_execve_[k];do_execveat_common.isra.0_[k];bprm_execve_[k];load_elf_binary_[k];elf_load_[k]",
    );
    const program = chains.find((c) => c.includes("bpf_prog_c8988374c652ffdc_rb_host_route_[k]"));
    expect(program && classifyChain(program).subsystem).toBe("ebpf");
    // round trip through the text form
    expect(parseFolded(formatFolded(folded.stacks))).toEqual(folded.stacks);
  });

  it("reads folded stacks gzipped (as a run folder keeps them) or plain", () => {
    const text = "netperf;__send 3\n";
    expect(foldedText(gzipSync(text))).toBe(text);
    expect(foldedText(Buffer.from(text))).toBe(text);
  });

  it("refuses a malformed folded line with its number", () => {
    expect(() => parseFolded("a;b 3\na;c x\n", "stacks.folded")).toThrow(/stacks\.folded:2: expected/);
  });
});
