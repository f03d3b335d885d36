// SPDX-License-Identifier: GPL-2.0
/*
 * routebench lab socket-level load balancing: cgroup programs attached to the lab's own
 * cgroup (v2), which holds the lab's client processes, the way Cilium's kube-proxy
 * replacement attaches bpf/bpf_sock.c to the node's cgroup:
 *
 *   connect4/6   a connect() to a Service address:port (rb_services) is rewritten to one of
 *                its backends, chosen at random, before the kernel routes anything: the
 *                packets carry the backend's address from the first SYN, so the node never
 *                needs DNAT or conntrack for them;
 *   sendmsg4/6   the same for unconnected UDP sends;
 *   recvmsg4/6   the reply's source goes back to the Service address (rb_rev_sk);
 *   getpeername4/6 likewise, so the application sees the address it connected to.
 *
 * Service lookup as in Cilium's lb4/lb6 maps: a service entry (slot 0) holds the backend
 * count, slots 1..count hold backend ids, rb_backends maps an id to an address and port.
 * Translation happens only while rb_sock_config[RB_SOCK_ENABLED] is 1 (the lab's eBPF mode);
 * in legacy mode the lab's kube-proxy-style iptables rules serve the Service instead.
 * Every hook counts what it did (rb_sock_counters), and each service entry counts its own
 * translations (hits), so a trial can prove its connections were balanced here.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

#define SYS_PROCEED 1

/* Counter slots; harness/backends/lab/sock-lb.ts (SOCK_COUNTER_NAMES) names them in this order. */
enum rb_sock_counter {
	RB_SOCK_CONNECT4_XLATE = 0,  /* connect4: Service address rewritten to a backend */
	RB_SOCK_CONNECT4_PASS = 1,   /* connect4: not a Service (or disabled): untouched */
	RB_SOCK_SENDMSG4_XLATE = 2,
	RB_SOCK_RECVMSG4_REVNAT = 3,
	RB_SOCK_GETPEER4_REVNAT = 4,
	RB_SOCK_CONNECT6_XLATE = 5,
	RB_SOCK_CONNECT6_PASS = 6,
	RB_SOCK_SENDMSG6_XLATE = 7,
	RB_SOCK_RECVMSG6_REVNAT = 8,
	RB_SOCK_GETPEER6_REVNAT = 9,
	RB_SOCK_NO_BACKEND = 10,     /* a Service entry whose backend is missing: untouched */
	RB_SOCK_COUNTER_MAX = 11,
};

/* rb_sock_config slots: [0] 1 while socket LB translates, [1] the lab's mode generation. */
enum rb_sock_config_slot {
	RB_SOCK_ENABLED = 0,
	RB_SOCK_GENERATION = 1,
	RB_SOCK_CONFIG_MAX = 2,
};

/* 24 bytes; harness/backends/lab/sock-lb.ts encodes it. IPv4 uses addr[0..3], the rest zero. */
struct rb_svc_key {
	__u8 addr[16];
	__be16 port;     /* network byte order, as user_port carries it */
	__u8 family;     /* 4 or 6 */
	__u8 proto;      /* IPPROTO_TCP, IPPROTO_UDP */
	__u16 slot;      /* 0: the service entry; 1..count: its backend slots */
	__u16 pad;
};

struct rb_svc_value {
	__u32 count_or_backend; /* slot 0: backend count; slot n: backend id */
	__u32 hits;             /* slot 0: translations to this Service */
};

struct rb_backend {
	__u8 addr[16];
	__be16 port;
	__u8 family;
	__u8 pad;
};

struct rb_rev_key {
	__u64 cookie;
	__u8 addr[16];   /* the backend the socket was sent to */
	__be16 port;
	__u16 pad;
	__u32 pad2;
};

struct rb_rev_value {
	__u8 addr[16];   /* the Service address the application asked for */
	__be16 port;
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 131072); /* 10,000 Services × 2 families × (1 + 2 slots), with room */
	__type(key, struct rb_svc_key);
	__type(value, struct rb_svc_value);
} rb_services SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 131072);
	__type(key, __u32);
	__type(value, struct rb_backend);
} rb_backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct rb_rev_key);
	__type(value, struct rb_rev_value);
} rb_rev_sk SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RB_SOCK_CONFIG_MAX);
	__type(key, __u32);
	__type(value, __u32);
} rb_sock_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RB_SOCK_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} rb_sock_counters SEC(".maps");

static __always_inline void count(__u32 slot)
{
	__u64 *value = bpf_map_lookup_elem(&rb_sock_counters, &slot);

	if (value)
		*value += 1;
}

static __always_inline int enabled(void)
{
	__u32 key = RB_SOCK_ENABLED;
	__u32 *on = bpf_map_lookup_elem(&rb_sock_config, &key);

	return on && *on == 1;
}

/* The context's destination as a service key (slot 0). */
static __always_inline void key_of(struct bpf_sock_addr *ctx, struct rb_svc_key *key, int v6)
{
	if (v6) {
		__u32 a0 = ctx->user_ip6[0], a1 = ctx->user_ip6[1], a2 = ctx->user_ip6[2], a3 = ctx->user_ip6[3];

		__builtin_memcpy(&key->addr[0], &a0, 4);
		__builtin_memcpy(&key->addr[4], &a1, 4);
		__builtin_memcpy(&key->addr[8], &a2, 4);
		__builtin_memcpy(&key->addr[12], &a3, 4);
		key->family = 6;
	} else {
		__u32 a0 = ctx->user_ip4;

		__builtin_memcpy(&key->addr[0], &a0, 4);
		key->family = 4;
	}
	key->port = (__be16)ctx->user_port;
	key->proto = (__u8)ctx->protocol;
}

/*
 * Rewrites the destination of ctx to a backend of the Service it names and records the
 * reverse translation under the socket's cookie. Returns 1 when it translated.
 */
static __always_inline int xlate_fwd(struct bpf_sock_addr *ctx, int v6)
{
	struct rb_svc_key key = {};
	struct rb_svc_value *svc, *slot;
	struct rb_backend *backend;
	struct rb_rev_key rev = {};
	struct rb_rev_value orig = {};
	__u32 id;

	if (!enabled())
		return 0;
	key_of(ctx, &key, v6);
	svc = bpf_map_lookup_elem(&rb_services, &key);
	if (!svc || svc->count_or_backend == 0)
		return 0;
	key.slot = (bpf_get_prandom_u32() % svc->count_or_backend) + 1;
	slot = bpf_map_lookup_elem(&rb_services, &key);
	if (!slot) {
		count(RB_SOCK_NO_BACKEND);
		return 0;
	}
	id = slot->count_or_backend;
	backend = bpf_map_lookup_elem(&rb_backends, &id);
	if (!backend || backend->family != key.family) {
		count(RB_SOCK_NO_BACKEND);
		return 0;
	}

	__builtin_memcpy(orig.addr, key.addr, 16);
	orig.port = key.port;
	rev.cookie = bpf_get_socket_cookie(ctx);
	__builtin_memcpy(rev.addr, backend->addr, 16);
	rev.port = backend->port;
	bpf_map_update_elem(&rb_rev_sk, &rev, &orig, BPF_ANY);

	if (v6) {
		__u32 a0, a1, a2, a3;

		__builtin_memcpy(&a0, &backend->addr[0], 4);
		__builtin_memcpy(&a1, &backend->addr[4], 4);
		__builtin_memcpy(&a2, &backend->addr[8], 4);
		__builtin_memcpy(&a3, &backend->addr[12], 4);
		ctx->user_ip6[0] = a0;
		ctx->user_ip6[1] = a1;
		ctx->user_ip6[2] = a2;
		ctx->user_ip6[3] = a3;
	} else {
		__u32 a0;

		__builtin_memcpy(&a0, &backend->addr[0], 4);
		ctx->user_ip4 = a0;
	}
	ctx->user_port = (__u32)backend->port;
	__sync_fetch_and_add(&svc->hits, 1);
	return 1;
}

/* Puts the Service address back where ctx names a backend this socket was sent to. */
static __always_inline int xlate_rev(struct bpf_sock_addr *ctx, int v6)
{
	struct rb_svc_key peer = {};
	struct rb_rev_key rev = {};
	struct rb_rev_value *orig;

	if (!enabled())
		return 0;
	key_of(ctx, &peer, v6);
	rev.cookie = bpf_get_socket_cookie(ctx);
	__builtin_memcpy(rev.addr, peer.addr, 16);
	rev.port = peer.port;
	orig = bpf_map_lookup_elem(&rb_rev_sk, &rev);
	if (!orig)
		return 0;
	if (v6) {
		__u32 a0, a1, a2, a3;

		__builtin_memcpy(&a0, &orig->addr[0], 4);
		__builtin_memcpy(&a1, &orig->addr[4], 4);
		__builtin_memcpy(&a2, &orig->addr[8], 4);
		__builtin_memcpy(&a3, &orig->addr[12], 4);
		ctx->user_ip6[0] = a0;
		ctx->user_ip6[1] = a1;
		ctx->user_ip6[2] = a2;
		ctx->user_ip6[3] = a3;
	} else {
		__u32 a0;

		__builtin_memcpy(&a0, &orig->addr[0], 4);
		ctx->user_ip4 = a0;
	}
	ctx->user_port = (__u32)orig->port;
	return 1;
}

SEC("cgroup/connect4")
int rb_connect4(struct bpf_sock_addr *ctx)
{
	count(xlate_fwd(ctx, 0) ? RB_SOCK_CONNECT4_XLATE : RB_SOCK_CONNECT4_PASS);
	return SYS_PROCEED;
}

SEC("cgroup/sendmsg4")
int rb_sendmsg4(struct bpf_sock_addr *ctx)
{
	if (xlate_fwd(ctx, 0))
		count(RB_SOCK_SENDMSG4_XLATE);
	return SYS_PROCEED;
}

SEC("cgroup/recvmsg4")
int rb_recvmsg4(struct bpf_sock_addr *ctx)
{
	if (xlate_rev(ctx, 0))
		count(RB_SOCK_RECVMSG4_REVNAT);
	return SYS_PROCEED;
}

SEC("cgroup/getpeername4")
int rb_getpeername4(struct bpf_sock_addr *ctx)
{
	if (xlate_rev(ctx, 0))
		count(RB_SOCK_GETPEER4_REVNAT);
	return SYS_PROCEED;
}

SEC("cgroup/connect6")
int rb_connect6(struct bpf_sock_addr *ctx)
{
	count(xlate_fwd(ctx, 1) ? RB_SOCK_CONNECT6_XLATE : RB_SOCK_CONNECT6_PASS);
	return SYS_PROCEED;
}

SEC("cgroup/sendmsg6")
int rb_sendmsg6(struct bpf_sock_addr *ctx)
{
	if (xlate_fwd(ctx, 1))
		count(RB_SOCK_SENDMSG6_XLATE);
	return SYS_PROCEED;
}

SEC("cgroup/recvmsg6")
int rb_recvmsg6(struct bpf_sock_addr *ctx)
{
	if (xlate_rev(ctx, 1))
		count(RB_SOCK_RECVMSG6_REVNAT);
	return SYS_PROCEED;
}

SEC("cgroup/getpeername6")
int rb_getpeername6(struct bpf_sock_addr *ctx)
{
	if (xlate_rev(ctx, 1))
		count(RB_SOCK_GETPEER6_REVNAT);
	return SYS_PROCEED;
}

char _license[] SEC("license") = "GPL";
