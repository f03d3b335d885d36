// routebench's FORWARD counter reader: the packets of the lab's FORWARD counting rule in each
// node namespace, read over nf_tables netlink (what iptables-nft writes), without a process
// per reading.
//
// The closing path reading of every lab trial needs each node's count of forwarded packets.
// `iptables-save -c` through nsenter costs about 20 ms of process start and a whole-table dump
// per node; this reader opens one netlink socket inside each namespace once (a netlink socket
// belongs to the namespace it was created in) and then dumps only the FORWARD chain of the
// filter table on each request.
//
//   rb_nfcount --serve NETNS_PATH...   one line per line read on stdin: "4" (IPv4, table ip
//                                      filter) or "6" (IPv6, ip6 filter); the answer is one
//                                      field per namespace, in order: the rule's packets, or "-"
//                                      where the rule (or the table, or nf_tables) is not there.
//                                      Exits 0 at the end of stdin (its parent gone included).
//   rb_nfcount NETNS_PATH...           one IPv4 answer, then exits 0.
//
// The rule is the one whose comment is "rb-lab: forward counter": iptables-nft keeps a
// `-m comment` as the rule's user data (older versions as an xtables `comment` match; both are
// read). "-" is never a zero: the caller reads the rule another way (iptables-save), which also
// says why it is missing. Exits 1 with a message on stderr when a namespace cannot be entered.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define COMMENT "rb-lab: forward counter"
// The comment's user-data type in a rule, as iptables-nft and nft write it (NFTNL_UDATA_RULE_COMMENT).
#define UDATA_COMMENT 0
// xtables' struct xt_comment_info: a 256-byte string.
#define XT_COMMENT_LEN 256

struct found {
  int matched;
  uint64_t packets;
};

static int comment_attr(const struct nftnl_udata *attr, void *data) {
  if (nftnl_udata_type(attr) != UDATA_COMMENT) return 0;
  const char *value = nftnl_udata_get(attr);
  uint8_t len = nftnl_udata_len(attr);
  if (len == sizeof(COMMENT) && memcmp(value, COMMENT, sizeof(COMMENT)) == 0) *(int *)data = 1;
  return 0;
}

static int rule_has_comment(struct nftnl_rule *rule) {
  int found = 0;
  uint32_t len = 0;
  const void *udata = nftnl_rule_get_data(rule, NFTNL_RULE_USERDATA, &len);
  if (udata && len > 0) nftnl_udata_parse(udata, len, comment_attr, &found);
  return found;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data) {
  struct found *found = data;
  struct nftnl_rule *rule = nftnl_rule_alloc();
  if (!rule) return MNL_CB_ERROR;
  if (nftnl_rule_nlmsg_parse(nlh, rule) < 0) {
    nftnl_rule_free(rule);
    return MNL_CB_ERROR;
  }
  int commented = rule_has_comment(rule);
  int counted = 0;
  uint64_t packets = 0;
  struct nftnl_expr_iter *iter = nftnl_expr_iter_create(rule);
  for (struct nftnl_expr *e = iter ? nftnl_expr_iter_next(iter) : NULL; e; e = nftnl_expr_iter_next(iter)) {
    const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
    if (!name) continue;
    if (strcmp(name, "counter") == 0) {
      counted = 1;
      packets = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
    } else if (strcmp(name, "match") == 0) {
      const char *match = nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME);
      uint32_t len = 0;
      const char *info = nftnl_expr_get_data(e, NFTNL_EXPR_MT_INFO, &len);
      if (match && strcmp(match, "comment") == 0 && info && len >= sizeof(COMMENT) &&
          strncmp(info, COMMENT, XT_COMMENT_LEN) == 0)
        commented = 1;
    }
  }
  if (iter) nftnl_expr_iter_destroy(iter);
  if (commented && counted && !found->matched) {
    found->matched = 1;
    found->packets = packets;
  }
  nftnl_rule_free(rule);
  return MNL_CB_OK;
}

// One dump of FORWARD in `family`'s filter table; 0 with *found set, or -1 (no table, chain or nf_tables).
static int read_forward(struct mnl_socket *nl, uint32_t *seq, int family, struct found *found) {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nftnl_rule *filter = nftnl_rule_alloc();
  if (!filter) return -1;
  uint32_t this_seq = ++*seq;
  struct nlmsghdr *nlh = nftnl_rule_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, family, NLM_F_DUMP, this_seq);
  nftnl_rule_set_str(filter, NFTNL_RULE_TABLE, "filter");
  nftnl_rule_set_str(filter, NFTNL_RULE_CHAIN, "FORWARD");
  nftnl_rule_nlmsg_build_payload(nlh, filter);
  nftnl_rule_free(filter);
  if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) return -1;
  found->matched = 0;
  found->packets = 0;
  unsigned int portid = mnl_socket_get_portid(nl);
  int ret;
  while ((ret = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
    ret = mnl_cb_run(buf, ret, this_seq, portid, rule_cb, found);
    if (ret <= 0) break;
  }
  return ret < 0 ? -1 : 0;
}

// A netlink socket inside the namespace at `path`; the thread returns to `home` after.
static struct mnl_socket *open_in(const char *path, int home) {
  int ns = open(path, O_RDONLY | O_CLOEXEC);
  if (ns < 0) {
    fprintf(stderr, "rb_nfcount: cannot open %s: %s\n", path, strerror(errno));
    return NULL;
  }
  if (setns(ns, CLONE_NEWNET) < 0) {
    fprintf(stderr, "rb_nfcount: cannot enter %s: %s\n", path, strerror(errno));
    close(ns);
    return NULL;
  }
  close(ns);
  struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
  if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
    mnl_socket_close(nl);
    nl = NULL;
  }
  if (!nl) fprintf(stderr, "rb_nfcount: no nf_tables netlink socket in %s: %s\n", path, strerror(errno));
  if (setns(home, CLONE_NEWNET) < 0) {
    fprintf(stderr, "rb_nfcount: cannot return to the first namespace: %s\n", strerror(errno));
    exit(1);
  }
  return nl;
}

static void answer(struct mnl_socket **sockets, int count, uint32_t *seq, int family) {
  for (int i = 0; i < count; i++) {
    struct found found;
    if (i > 0) putchar(' ');
    if (read_forward(sockets[i], seq, family, &found) == 0 && found.matched)
      printf("%llu", (unsigned long long)found.packets);
    else
      putchar('-');
  }
  putchar('\n');
  fflush(stdout);
}

int main(int argc, char **argv) {
  int serve = argc > 1 && strcmp(argv[1], "--serve") == 0;
  int first = serve ? 2 : 1;
  int count = argc - first;
  if (count < 1) {
    fprintf(stderr, "usage: rb_nfcount [--serve] NETNS_PATH...\n");
    return 2;
  }
  int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0) {
    fprintf(stderr, "rb_nfcount: cannot open /proc/self/ns/net: %s\n", strerror(errno));
    return 1;
  }
  struct mnl_socket **sockets = calloc((size_t)count, sizeof(*sockets));
  if (!sockets) return 1;
  uint32_t seq = (uint32_t)time(NULL);
  for (int i = 0; i < count; i++) {
    sockets[i] = open_in(argv[first + i], home);
    if (!sockets[i]) return 1;
  }
  if (!serve) {
    answer(sockets, count, &seq, NFPROTO_IPV4);
    return 0;
  }
  char line[64];
  while (fgets(line, sizeof(line), stdin)) {
    if (line[0] == '6')
      answer(sockets, count, &seq, NFPROTO_IPV6);
    else if (line[0] == '4')
      answer(sockets, count, &seq, NFPROTO_IPV4);
    else {
      fprintf(stderr, "rb_nfcount: a request is 4 or 6, not %s", line);
      return 2;
    }
  }
  return 0;
}
