/** Reading iptables-save output: rule counters and the rules the lab did not write. Pure. */
import { RULE_COMMENT_PREFIX } from "./plan.js";

export interface IptablesRule {
  table: string;
  chain: string;
  /** The rule as iptables-save prints it, without counters, e.g. `-A FORWARD -j ACCEPT`. */
  spec: string;
  packets: number;
  bytes: number;
}

/** Parses `iptables-save [-c]`. Counters are 0 when -c was not given. */
export function parseIptablesSave(text: string): IptablesRule[] {
  const rules: IptablesRule[] = [];
  let table = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("*")) {
      table = line.slice(1);
      continue;
    }
    const match = /^(?:\[(\d+):(\d+)\]\s+)?(-A\s+(\S+).*)$/.exec(line);
    if (!match) continue;
    rules.push({
      table,
      chain: match[4] ?? "",
      spec: match[3] ?? "",
      packets: Number(match[1] ?? 0),
      bytes: Number(match[2] ?? 0),
    });
  }
  return rules;
}

/** Whether the lab wrote this rule (every lab rule carries an `rb-lab` comment). */
export function isLabRule(rule: IptablesRule): boolean {
  return (
    rule.spec.includes(`--comment "${RULE_COMMENT_PREFIX}`) ||
    rule.spec.includes(`--comment ${RULE_COMMENT_PREFIX}`)
  );
}

/** Rules the lab did not write, as `table: spec` strings: what eBPF host routing would bypass. */
export function foreignRules(rules: IptablesRule[]): string[] {
  return rules.filter((rule) => !isLabRule(rule)).map((rule) => `${rule.table}: ${rule.spec}`);
}

/** Packets counted by the lab's FORWARD counter rule (every packet the node forwarded); null when the rule is missing. */
export function forwardPackets(rules: IptablesRule[]): number | null {
  const counter = rules.find(
    (rule) =>
      rule.table === "filter" &&
      rule.chain === "FORWARD" &&
      rule.spec.includes(`${RULE_COMMENT_PREFIX}: forward counter`),
  );
  return counter ? counter.packets : null;
}
