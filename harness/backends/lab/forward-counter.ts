/**
 * The nodes' FORWARD counting rule read over nf_tables netlink by a helper kept running for the
 * session (native/rb_nfcount.c, `--serve`), instead of an `iptables-save -c` process per node
 * per reading (about 20–30 ms each, most of a trial's closing path reading). The helper opens
 * one netlink socket inside each node namespace at its start and answers a request ("4" or
 * "6") with one field per node: the rule's packets, or "-" where nf_tables has no such rule.
 *
 * It reads the same counter iptables-save prints (iptables-nft keeps the rules in nf_tables;
 * the integration test compares the two). Whatever it cannot give — a missing binary, an
 * iptables on the legacy xtables backend, a missing rule, an answer that makes no sense — is
 * read the old way (probe.ts, readForward), which also names what is wrong.
 */
import { join } from "node:path";
import { LineServer } from "../../util/line-server.js";
import { PACKAGE_ROOT } from "../../vocabulary/vocabulary.js";

/** Built by scripts/setup.sh from native/rb_nfcount.c. */
export const FORWARD_COUNTER_BINARY = join(PACKAGE_ROOT, "native", "build", "rb_nfcount");

/** How long one answer may take before the reader counts as broken (it takes about a millisecond). */
const ANSWER_TIMEOUT_MS = 2000;

/** What the session asks: each node namespace's FORWARD count, null where it has none to give. */
export interface ForwardSource {
  read(ipv6: boolean): Promise<Readonly<Record<string, number | null>>>;
  close(): void;
}

/**
 * The helper's answer for `netns` (in the order it was started with): counts, null for "-", or
 * null for the whole answer when it is not one field per namespace of "-" or a whole number. Pure.
 */
export function parseForwardCounts(
  line: string,
  netns: readonly string[],
): Record<string, number | null> | null {
  const fields = line.trim().split(/\s+/);
  if (fields.length !== netns.length) return null;
  const counts: Record<string, number | null> = {};
  for (const [i, field] of fields.entries()) {
    if (field === "-") counts[netns[i] as string] = null;
    else if (/^\d+$/.test(field) && Number.isSafeInteger(Number(field)))
      counts[netns[i] as string] = Number(field);
    else return null;
  }
  return counts;
}

export class ForwardCounter implements ForwardSource {
  private readonly server: LineServer;

  constructor(
    private readonly netns: readonly string[],
    binary: string = FORWARD_COUNTER_BINARY,
  ) {
    this.server = new LineServer(
      [binary, "--serve", ...netns.map((n) => `/run/netns/${n}`)],
      ANSWER_TIMEOUT_MS,
    );
  }

  async read(ipv6: boolean): Promise<Readonly<Record<string, number | null>>> {
    const line = await this.server.ask(ipv6 ? "6" : "4");
    const counts = line === null ? null : parseForwardCounts(line, this.netns);
    if (line !== null && counts === null) this.server.fail();
    return counts ?? {};
  }

  close(): void {
    this.server.close();
  }
}
