/**
 * The evidence that a lab trial to a Service took its mode's Service path, and its judgement.
 * Pure: service-lab.ts reads the counters around the trial.
 *
 *   legacy (kube-proxy iptables): the netserver Service's DNAT rules counted the trial's new
 *     connections on the client's node, conntrack holds entries whose original destination is
 *     the ClusterIP, and the socket LB translated nothing;
 *   ebpf (socket LB): the socket LB translated the trial's connections (its counters and the
 *     Service entry's own hits moved), and no DNAT rule of the Service counted a packet, so the
 *     ClusterIP never reached the node.
 */
import type { RoutingMode } from "../../vocabulary/vocabulary.js";
import type { ConfigReading } from "./bpf-maps.js";
import type { IpFamily } from "./services.js";
import { type SockCounters, sockTranslations, subtractSockCounters } from "./sock-lb.js";

/** One reading of a Service's counters on the client's node. */
export interface ServiceReading {
  /** Packets the Service's DNAT rules (every port, the trial's endpoint) counted. */
  dnatPackets: number;
  /** Conntrack entries on the client's node whose original destination is the ClusterIP. */
  conntrackEntries: number;
  sock: SockCounters;
  /** Translations counted by the Service's own entries (every port) in the socket-LB map. */
  serviceHits: number;
  sockConfig: ConfigReading;
}

/** What a trial's PathCheck records about the Service path (results `path.service`). */
export interface ServiceEvidence {
  family: IpFamily;
  service: string;
  clusterIp: string;
  port: number;
  dnatPackets: number;
  conntrackEntries: number;
  conntrackDelta: number;
  socketLbTranslations: number;
  serviceHits: number;
  ok: boolean;
  reason: string;
}

export function serviceDelta(before: ServiceReading, after: ServiceReading) {
  return {
    dnatPackets: after.dnatPackets - before.dnatPackets,
    conntrackEntries: after.conntrackEntries,
    /** Entries for the ClusterIP after − before: new connections less those that expired meanwhile. */
    conntrackDelta: after.conntrackEntries - before.conntrackEntries,
    socketLbTranslations: sockTranslations(subtractSockCounters(after.sock, before.sock)),
    serviceHits: after.serviceHits - before.serviceHits,
    sockConfig: { before: before.sockConfig, after: after.sockConfig },
  };
}

/** Judges a Service trial's path for its mode on positive evidence only. */
export function judgeServicePath(
  mode: RoutingMode,
  before: ServiceReading,
  after: ServiceReading,
): { ok: boolean; reason: string } {
  const d = serviceDelta(before, after);
  const expected = mode === "ebpf" ? "ebpf" : "legacy";
  if (d.sockConfig.before.mode !== expected || d.sockConfig.after.mode !== expected)
    return {
      ok: false,
      reason: `the socket LB was ${d.sockConfig.before.mode} → ${d.sockConfig.after.mode}, not ${expected}`,
    };
  if (mode === "ebpf") {
    if (d.serviceHits <= 0)
      return { ok: false, reason: "the socket LB translated no connection to the Service" };
    if (d.socketLbTranslations < d.serviceHits)
      return {
        ok: false,
        reason: `the socket LB's counters moved by ${d.socketLbTranslations}, fewer than the Service's ${d.serviceHits} hits`,
      };
    if (d.dnatPackets !== 0)
      return { ok: false, reason: `${d.dnatPackets} packets hit the Service's DNAT rules on the node` };
    return {
      ok: true,
      reason: `socket LB: ${d.serviceHits} connections translated at connect(), no DNAT on the node`,
    };
  }
  if (d.socketLbTranslations !== 0)
    return { ok: false, reason: `the socket LB translated ${d.socketLbTranslations} connections` };
  if (d.dnatPackets <= 0) return { ok: false, reason: "no packet hit the Service's DNAT rules" };
  if (d.conntrackEntries <= 0)
    return { ok: false, reason: "conntrack holds no entry for the ClusterIP on the client's node" };
  return {
    ok: true,
    reason: `kube-proxy iptables: ${d.dnatPackets} connections DNATed, ${d.conntrackEntries} conntrack entries for the ClusterIP`,
  };
}

/** `iptables -t nat -L CHAIN -v -x -n`: the packets of the chain's DNAT rules. Throws when there is none. */
export function parseDnatPackets(listing: string, chain: string): number {
  let found = false;
  let packets = 0;
  for (const line of listing.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields[2] !== "DNAT") continue;
    const value = Number(fields[0]);
    if (!Number.isSafeInteger(value))
      throw new Error(`${chain}: unreadable DNAT counter in ${JSON.stringify(line)}`);
    packets += value;
    found = true;
  }
  if (!found) throw new Error(`${chain}: no DNAT rule (was the nat table rewritten from outside?)`);
  return packets;
}

/** conntrack -L's closing line on stderr: "conntrack v1.4.7 (conntrack-tools): 12 flow entries have been shown." */
export function parseConntrackShown(stderr: string): number {
  const match = /(\d+) flow entr(?:y|ies) (?:has|have) been shown/.exec(stderr);
  if (!match) throw new Error(`conntrack -L printed no count: ${JSON.stringify(stderr.slice(0, 200))}`);
  return Number(match[1]);
}
