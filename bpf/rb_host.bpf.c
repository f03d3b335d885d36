// SPDX-License-Identifier: GPL-2.0
/*
 * routebench lab host routing: one tc (clsact ingress) program attached to every
 * pod-facing device (lxc*) and to the node's underlay device (eth0) of each lab node.
 *
 * mode LEGACY: count the packet and hand it to the kernel stack (forwarding,
 *   iptables, conntrack), so legacy and eBPF runs pay for the same hook and differ
 *   in host routing alone.
 * mode EBPF: route in BPF, the way Cilium's BPF host routing does:
 *   - destination is a pod of this node (endpoints map): rewrite MACs, decrement
 *     TTL and bpf_redirect_peer() straight into the pod's namespace;
 *   - otherwise bpf_fib_lookup(): on success rewrite MACs and bpf_redirect() out of
 *     the looked-up device; when the neighbour is not resolved yet,
 *     bpf_redirect_neigh() lets the kernel resolve it.
 * IPv6 takes the same two paths (rb_endpoints6, bpf_fib_lookup AF_INET6, the hop limit
 * for the TTL), with counters of its own so a trial of either family proves its path;
 * ICMPv6 (neighbour discovery) and extension headers always go to the stack.
 * Anything not routed here (ARP, local or unknown destinations, TTL expiry, IP options)
 * goes to the stack and is counted, so `lab verify` can prove the path.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

enum rb_mode {
	RB_MODE_LEGACY = 0,
	RB_MODE_EBPF = 1,
};

/* Counter slots; harness/backends/lab/bpf-maps.ts (COUNTER_NAMES) names them in the same order. */
enum rb_counter {
	RB_PASS_LEGACY = 0,     /* IPv4, legacy mode: handed to the stack */
	RB_REDIRECT_PEER = 1,   /* eBPF: local pod, bpf_redirect_peer */
	RB_REDIRECT_FIB = 2,    /* eBPF: fib lookup + bpf_redirect */
	RB_REDIRECT_NEIGH = 3,  /* eBPF: fib lookup, neighbour unresolved, bpf_redirect_neigh */
	RB_STACK_NON_IPV4 = 4,  /* ARP and other non-IP: stack */
	RB_STACK_NOT_ROUTED = 5,/* eBPF: local/unknown destination or fib failure: stack */
	RB_STACK_TTL = 6,       /* eBPF: TTL <= 1, the stack sends the ICMP */
	RB_STACK_IP_OPTIONS = 7,/* eBPF: header with options or fragments: stack */
	RB_PASS_LEGACY6 = 8,    /* IPv6 TCP/UDP, legacy mode: handed to the stack */
	RB_REDIRECT_PEER6 = 9,
	RB_REDIRECT_FIB6 = 10,
	RB_REDIRECT_NEIGH6 = 11,
	RB_STACK_NOT_ROUTED6 = 12,
	RB_STACK_HOPLIMIT6 = 13,
	RB_STACK_OTHER6 = 14,   /* ICMPv6 (neighbour discovery), extension headers: stack */
	RB_COUNTER_MAX = 15,
};

struct rb_endpoint {
	__u32 ifindex;            /* host-side veth (lxc*) of the pod, in the node namespace */
	__u8 pod_mac[ETH_ALEN];   /* the pod's eth0 */
	__u8 node_mac[ETH_ALEN];  /* the lxc device: the pod's gateway MAC */
};

/*
 * rb_config[0]: the routing mode (enum rb_mode), the only slot the program reads.
 * rb_config[1]: the mode generation, bumped by the harness with every switch and never
 *   read here: a trial that sees the same generation before and after ran in one mode.
 */
enum rb_config_slot {
	RB_CONFIG_MODE = 0,
	RB_CONFIG_GENERATION = 1,
	RB_CONFIG_MAX = 2,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RB_CONFIG_MAX);
	__type(key, __u32);
	__type(value, __u32);
} rb_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RB_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} rb_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32); /* IPv4 address, network byte order */
	__type(value, struct rb_endpoint);
} rb_endpoints SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct in6_addr); /* IPv6 address */
	__type(value, struct rb_endpoint);
} rb_endpoints6 SEC(".maps");

static __always_inline int count(__u32 slot, int verdict)
{
	__u64 *value = bpf_map_lookup_elem(&rb_counters, &slot);

	if (value)
		*value += 1;
	return verdict;
}

/* As ip_decrease_ttl() does: TTL sits in the high byte of its 16-bit word. */
static __always_inline void decrease_ttl(struct iphdr *iph)
{
	__u32 check = (__u32)iph->check;

	check += (__u32)bpf_htons(0x0100);
	iph->check = (__sum16)(check + (check >= 0xFFFF));
	iph->ttl--;
}

static __always_inline void set_macs(struct ethhdr *eth, const __u8 *dst, const __u8 *src)
{
	__builtin_memcpy(eth->h_dest, dst, ETH_ALEN);
	__builtin_memcpy(eth->h_source, src, ETH_ALEN);
}

static __always_inline int ebpf_mode(void)
{
	__u32 key = RB_CONFIG_MODE;
	__u32 *mode = bpf_map_lookup_elem(&rb_config, &key);

	return mode && *mode == RB_MODE_EBPF;
}

static __always_inline int route6(struct __sk_buff *skb, struct ethhdr *eth, void *data_end)
{
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	struct bpf_fib_lookup fib = {};
	struct rb_endpoint *ep;
	long rc;

	if ((void *)(ip6 + 1) > data_end)
		return count(RB_STACK_NON_IPV4, TC_ACT_OK);
	if (ip6->nexthdr != IPPROTO_TCP && ip6->nexthdr != IPPROTO_UDP)
		return count(RB_STACK_OTHER6, TC_ACT_OK);
	if (!ebpf_mode())
		return count(RB_PASS_LEGACY6, TC_ACT_OK);
	if (ip6->hop_limit <= 1)
		return count(RB_STACK_HOPLIMIT6, TC_ACT_OK);

	ep = bpf_map_lookup_elem(&rb_endpoints6, &ip6->daddr);
	if (ep) {
		ip6->hop_limit--;
		set_macs(eth, ep->pod_mac, ep->node_mac);
		return count(RB_REDIRECT_PEER6, bpf_redirect_peer(ep->ifindex, 0));
	}

	fib.family = AF_INET6;
	fib.flowinfo = *(__be32 *)ip6 & bpf_htonl(0x0FFFFFFF);
	fib.l4_protocol = ip6->nexthdr;
	__builtin_memcpy(fib.ipv6_src, &ip6->saddr, sizeof(fib.ipv6_src));
	__builtin_memcpy(fib.ipv6_dst, &ip6->daddr, sizeof(fib.ipv6_dst));
	fib.ifindex = skb->ingress_ifindex;
	fib.tot_len = 0; /* as for IPv4: GSO packets are checked by is_skb_forwardable() */

	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		ip6->hop_limit--;
		set_macs(eth, fib.dmac, fib.smac);
		return count(RB_REDIRECT_FIB6, bpf_redirect(fib.ifindex, 0));
	}
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		struct bpf_redir_neigh nh = { .nh_family = AF_INET6 };

		__builtin_memcpy(nh.ipv6_nh, fib.ipv6_dst, sizeof(nh.ipv6_nh));
		ip6->hop_limit--;
		return count(RB_REDIRECT_NEIGH6, bpf_redirect_neigh(fib.ifindex, &nh, sizeof(nh), 0));
	}
	return count(RB_STACK_NOT_ROUTED6, TC_ACT_OK);
}

SEC("tc")
int rb_host_route(struct __sk_buff *skb)
{
	void *data_end = (void *)(long)skb->data_end;
	void *data = (void *)(long)skb->data;
	struct ethhdr *eth = data;
	struct iphdr *iph = data + sizeof(*eth);
	struct bpf_fib_lookup fib = {};
	struct rb_endpoint *ep;
	__u32 key = RB_CONFIG_MODE;
	__u32 *mode;
	long rc;

	if ((void *)(eth + 1) <= data_end && eth->h_proto == bpf_htons(ETH_P_IPV6))
		return route6(skb, eth, data_end);
	if ((void *)(iph + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return count(RB_STACK_NON_IPV4, TC_ACT_OK);

	mode = bpf_map_lookup_elem(&rb_config, &key);
	if (!mode || *mode != RB_MODE_EBPF)
		return count(RB_PASS_LEGACY, TC_ACT_OK);

	if (iph->ihl != 5 || (iph->frag_off & bpf_htons(0x3FFF)))
		return count(RB_STACK_IP_OPTIONS, TC_ACT_OK);
	if (iph->ttl <= 1)
		return count(RB_STACK_TTL, TC_ACT_OK);

	ep = bpf_map_lookup_elem(&rb_endpoints, &iph->daddr);
	if (ep) {
		decrease_ttl(iph);
		set_macs(eth, ep->pod_mac, ep->node_mac);
		return count(RB_REDIRECT_PEER, bpf_redirect_peer(ep->ifindex, 0));
	}

	fib.family = AF_INET;
	fib.tos = iph->tos;
	fib.l4_protocol = iph->protocol;
	fib.ipv4_src = iph->saddr;
	fib.ipv4_dst = iph->daddr;
	fib.ifindex = skb->ingress_ifindex;
	/*
	 * tot_len stays 0: with a length the helper compares it with the route MTU and
	 * reports FRAG_NEEDED for every GSO super-packet (up to 64 KiB). With 0 it checks
	 * the skb with is_skb_forwardable(), which knows GSO segments fit the MTU.
	 */
	fib.tot_len = 0;

	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		decrease_ttl(iph);
		set_macs(eth, fib.dmac, fib.smac);
		return count(RB_REDIRECT_FIB, bpf_redirect(fib.ifindex, 0));
	}
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		struct bpf_redir_neigh nh = {
			.nh_family = AF_INET,
			.ipv4_nh = fib.ipv4_dst,
		};

		decrease_ttl(iph);
		return count(RB_REDIRECT_NEIGH, bpf_redirect_neigh(fib.ifindex, &nh, sizeof(nh), 0));
	}
	return count(RB_STACK_NOT_ROUTED, TC_ACT_OK);
}

char _license[] SEC("license") = "GPL";
