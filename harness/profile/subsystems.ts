/**
 * The symbol → subsystem table: the one place that says which kernel functions belong to
 * which subsystem, as data. Names are matched after dropping the compiler's suffixes
 * (`.isra.0`, `.constprop.0`, `.part.0`, `.cold`), by exact name or by prefix.
 *
 * Precedence, when a call chain passes several subsystems (attribute.ts applies it):
 * 1. **Scoped subsystems claim everything beneath them.** A frame marked `scope` (the eBPF
 *    program and the helpers it calls, conntrack, netfilter's hook and table walkers, and the
 *    bridge's netfilter glue) owns the samples of every function it calls: a hash lookup or a
 *    kfree inside `nf_conntrack_in` is conntrack's cost. When several scoped frames are on the
 *    chain the innermost (nearest the sample) wins: conntrack called from `nf_hook_slow` is
 *    conntrack, a table walk inside a bridge's netfilter hook is netfilter.
 * 2. **Otherwise the innermost classified frame wins.** A route lookup inside IP forwarding is
 *    the route lookup; the veth transmit at the end of forwarding is the device's; a sample in
 *    a function no rule names (`kmem_cache_free`, `memcpy`) goes to its nearest named caller.
 * 3. **Otherwise `other`** (or `user`, for netperf's and netserver's own code).
 * 4. **A netfilter hook called straight from a bridge frame** (`br_nf_*`, `__br_forward`: the
 *    underlay bridge's br_netfilter) counts as the bridge's (`devices`): it runs on bridged
 *    frames in both modes and is not host routing's cost. Tables it walks are still
 *    netfilter's (rule 1: `nft_do_chain` is the innermost scope).
 *
 * Why scopes: netfilter's hooks run to completion and return before the packet moves on
 * (NF_HOOK calls the next step after `nf_hook_slow` returns), and a tc program's redirect
 * happens after the program returns, so a scoped frame's subtree is its own work and never
 * the next hop's. Packet processing does nest otherwise: with veth, the receive softirq runs
 * inside the sender's `local_bh_enable`, so a whole forward path can sit under `tcp_sendmsg`;
 * the innermost rule gives each step its own subsystem.
 *
 * IP's receive and output frames shared by local delivery and forwarding (`ip_rcv`,
 * `ip_output`, `ip_finish_output2`) are deliberately not named: they go to their caller, so
 * that the node's forwarding output counts as forwarding and a pod's own output as TCP/UDP.
 *
 * Over 300 lines only because the formatter puts each symbol of the table on its own line: it
 * is one table and its lookup.
 *
 * Over 300 lines on purpose: most of it is the symbol table itself, data that is reviewed as one
 * list.
 */
import type { Subsystem } from "../vocabulary/vocabulary.js";

export interface SubsystemRule {
  subsystem: Subsystem;
  /** Claims the samples of everything it calls (precedence rule 1). */
  scope?: boolean;
  exact?: readonly string[];
  prefixes?: readonly string[];
}

export const SUBSYSTEM_RULES: readonly SubsystemRule[] = [
  {
    subsystem: "ebpf",
    scope: true,
    // the program itself (perf names JITed programs bpf_prog_<tag>_<name>), the tc classifier
    // that runs it, and the helpers it calls
    prefixes: [
      "bpf_prog_",
      "bpf_skb_",
      "bpf_l3_",
      "bpf_l4_",
      "bpf_fib_",
      "bpf_redirect",
      "bpf_map_",
      "bpf_csum",
      "__bpf_",
    ],
    exact: [
      "cls_bpf_classify",
      "bpf_dispatcher_xdp_func",
      "__htab_map_lookup_elem",
      "htab_map_lookup_elem",
      "array_map_lookup_elem",
      "bpf_ktime_get_ns",
    ],
  },
  {
    subsystem: "ebpf",
    // tc's ingress/egress hook around the program and the redirect it asked for (the redirect's
    // neighbour and device work are their own subsystems' by rule 2)
    exact: [
      "tcx_run",
      "tc_run",
      "tcf_classify",
      "__tcf_classify",
      "sch_handle_ingress",
      "sch_handle_egress",
      "skb_do_redirect",
      "tcf_classify_ingress",
    ],
  },
  {
    subsystem: "conntrack",
    scope: true,
    prefixes: [
      "nf_conntrack_",
      "__nf_conntrack_",
      "nf_ct_",
      "__nf_ct_",
      "ipv4_conntrack",
      "nf_confirm",
      "tcp_packet",
      "tcp_in_window",
      "hash_conntrack",
      "init_conntrack",
      "resolve_normal_ct",
    ],
  },
  {
    subsystem: "netfilter",
    scope: true,
    prefixes: [
      "nf_hook",
      "nf_nat_",
      "ipt_",
      "nft_",
      "xt_",
      "iptable_",
      "ip6t_",
      "nf_tables",
      "__nf_nat",
      "nf_iterate",
      "masquerade_",
      "nf_reroute",
      "nf_ip_",
    ],
  },
  {
    // br_netfilter's glue: the bridge's own forwarding runs inside its netfilter hooks
    subsystem: "devices",
    scope: true,
    prefixes: ["br_nf_"],
  },
  {
    subsystem: "forwarding",
    exact: ["ip_forward", "ip_forward_finish", "ip_forward_options", "ip4_forward"],
    prefixes: ["ip_forward"],
  },
  {
    subsystem: "route",
    prefixes: [
      "fib_",
      "__fib_",
      "ip_route_",
      "ip_mkroute_",
      "rt_dst_",
      "__mkroute_",
      "fib4_",
      "ipv4_dst_",
      "dst_",
      "rt_cache_",
      "ip_rt_",
      "find_exception",
      "l3mdev_",
    ],
    exact: [
      "ip_rcv_finish_core",
      "__ip_route_output_key",
      "ip_route_output_key_hash",
      "ip_route_output_flow",
    ],
  },
  {
    subsystem: "neighbour",
    prefixes: ["neigh_", "__neigh_", "arp_", "ip_neigh_", "eth_header", "dev_hard_header"],
  },
  {
    subsystem: "devices",
    prefixes: [
      "veth_",
      "br_",
      "__br_",
      "netif_",
      "__netif_",
      "napi_",
      "__napi_",
      "dev_",
      "__dev_",
      "eth_type_trans",
      "skb_defer",
      "enqueue_to_backlog",
      "rps_",
      "validate_xmit",
    ],
    exact: [
      "process_backlog",
      "net_rx_action",
      "xmit_one",
      "sch_direct_xmit",
      "__qdisc_run",
      "qdisc_pkt_len_init",
    ],
  },
  {
    subsystem: "tcp-udp",
    prefixes: [
      "tcp_",
      "__tcp_",
      "udp_",
      "__udp_",
      "udp4_",
      "inet_csk_",
      "inet_ehash",
      "__inet_lookup",
      "inet_lookup",
      "bbr_",
      "cubictcp_",
      "tcp4_",
      "ip_local_deliver",
      "ip_protocol_deliver",
      "ip_queue_xmit",
      "__ip_queue_xmit",
      "ip_make_skb",
      "ip_append_data",
      "__ip_append_data",
      "ip_send_skb",
      "ip_local_out",
      "__ip_local_out",
      "raw_local_deliver",
    ],
  },
  {
    subsystem: "socket",
    prefixes: [
      "__sys_",
      "__x64_sys_",
      "sock_",
      "__sock_",
      "sk_",
      "__sk_",
      "skb_copy_datagram",
      "__skb_datagram",
      "inet_sendmsg",
      "inet_recvmsg",
      "security_socket",
      "do_syscall_",
      "entry_SYSCALL",
      "syscall_exit",
      "x64_sys_call",
      "__kfree_skb",
      "kfree_skb",
      "__alloc_skb",
      "alloc_skb",
      "skb_release",
      "consume_skb",
      "_copy_to_iter",
      "_copy_from_iter",
      "copy_page_to_iter",
      "simple_copy_to_iter",
      "__check_object_size",
      "fdget",
      "__fget",
      "sockfd_lookup",
    ],
  },
  {
    subsystem: "scheduler",
    prefixes: [
      "schedule",
      "__schedule",
      "finish_task_switch",
      "pick_next_",
      "__pick_next",
      "try_to_wake_up",
      "wake_up_",
      "__wake_up",
      "ttwu_",
      "enqueue_task",
      "dequeue_task",
      "update_curr",
      "update_load",
      "do_idle",
      "cpu_startup_entry",
      "default_idle",
      "cpuidle_",
      "arch_cpu_idle",
      "pv_native_safe_halt",
      "native_safe_halt",
      "wait_woken",
      "woken_wake_function",
      "autoremove_wake_function",
      "set_next_entity",
      "put_prev_",
      "context_switch",
      "switch_mm",
      "__switch_to",
      "resched_curr",
      "check_preempt",
      "sched_",
      "psi_",
      "select_task_rq",
    ],
  },
  {
    // named so that they stop the climb to their caller: not the benchmark's network work
    subsystem: "other",
    prefixes: [
      "asm_exc_page_fault",
      "exc_page_fault",
      "handle_mm_fault",
      "asm_sysvec_apic_timer",
      "sysvec_apic_timer",
      "hrtimer_",
      "__hrtimer_",
      "tick_",
      "asm_sysvec_call_function",
      "sysvec_call_function",
      "asm_sysvec_reschedule",
      "smp_call_function",
      "rcu_core",
      "rcu_do_batch",
      "do_execveat",
      "do_exit",
      "exit_mmap",
      "kthread",
      "kdamond",
    ],
  },
];

/** A symbol without the compiler's clone suffixes: `finish_task_switch.isra.0` → `finish_task_switch`. */
export function baseSymbol(symbol: string): string {
  return symbol.replace(/\.(isra|constprop|part|cold|llvm)(\.\d+)*/g, "");
}

export interface SymbolClass {
  subsystem: Subsystem;
  scope: boolean;
}

const exactIndex = new Map<string, SymbolClass>();
for (const rule of SUBSYSTEM_RULES)
  for (const name of rule.exact ?? [])
    if (!exactIndex.has(name))
      exactIndex.set(name, { subsystem: rule.subsystem, scope: rule.scope ?? false });
/** Prefixes longest first, so that `bpf_prog_` beats `bpf_` and `br_nf_` beats `br_`. */
const prefixIndex = SUBSYSTEM_RULES.flatMap((rule) =>
  (rule.prefixes ?? []).map((prefix) => ({ prefix, subsystem: rule.subsystem, scope: rule.scope ?? false })),
).sort((a, b) => b.prefix.length - a.prefix.length);

const cache = new Map<string, SymbolClass | null>();

/** The subsystem of one kernel symbol, or null when no rule names it. */
export function classifySymbol(symbol: string): SymbolClass | null {
  const cached = cache.get(symbol);
  if (cached !== undefined) return cached;
  const base = baseSymbol(symbol);
  const found = exactIndex.get(base) ?? prefixIndex.find((p) => base.startsWith(p.prefix)) ?? null;
  const result = found ? { subsystem: found.subsystem, scope: found.scope } : null;
  cache.set(symbol, result);
  return result;
}
