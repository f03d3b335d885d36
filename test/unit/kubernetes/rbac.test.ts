/**
 * The RBAC manifests against what the code asks for (points 6 and 12): every permission a run
 * needs is granted by the file and in the namespace the README says, nothing more is granted,
 * pods/exec never cluster-wide, no Role carries a hard-coded namespace, and README's list of
 * the grants is the one rendered from the manifests.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { type Permission, requiredPermissions } from "../../../harness/backends/kubernetes/check-access.js";
import { parseSweep } from "../../../harness/sweep/load.js";

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
interface RbacDoc {
  kind: "ClusterRole" | "Role";
  metadata: { name: string; namespace?: string };
  rules: Rule[];
}

const FILES = ["rbac.yaml", "rbac-run.yaml", "rbac-cilium.yaml"] as const;
const docs = (file: string) =>
  parseAllDocuments(readFileSync(`manifests/${file}`, "utf8")).map((d) => d.toJS() as RbacDoc);

/** Where each kind of permission is bound: cluster-wide, the run's namespace, Cilium's. */
const RUN_NS = "perf";
const CILIUM_NS = "cilium-system";
function fileFor(p: Permission): string {
  if (p.namespace === undefined) return "rbac.yaml";
  return p.namespace === RUN_NS ? "rbac-run.yaml" : "rbac-cilium.yaml";
}

const resourceOf = (p: Permission) => `${p.resource}${p.subresource ? `/${p.subresource}` : ""}`;
const grants = (rule: Rule, p: Permission) =>
  rule.apiGroups.includes(p.group) &&
  rule.resources.includes(resourceOf(p)) &&
  rule.verbs.includes(p.verb) &&
  (!rule.resourceNames || (p.name !== undefined && rule.resourceNames.includes(p.name)));

const sweep = (strategy: string) =>
  parseSweep(
    `backend: kubernetes\nmodes: [legacy, ebpf]\ndestinations: [pod, service]\ntests: [{test: TCP_RR}]\nkubernetes: {namespace: ${RUN_NS}, routing: {strategy: ${strategy}, ciliumNamespace: ${CILIUM_NS}}}\n`,
    "k8s.yaml",
  );
const needed = [...requiredPermissions(sweep("cilium-configmap")), ...requiredPermissions(sweep("command"))];

/** README's summary of the grants, rendered from the manifests. */
function summary(): string {
  return FILES.map((file) => {
    const roles = docs(file).map((doc) => {
      const rules = doc.rules.map(
        (r) =>
          `${r.resources.map((res) => `${r.apiGroups[0] ? `${r.apiGroups[0]}/` : ""}${res}`).join(", ")}${r.resourceNames ? ` (${r.resourceNames.join(", ")})` : ""}: ${r.verbs.join(", ")}`,
      );
      return `- \`${file}\`, ${doc.kind} \`${doc.metadata.name}\`: ${rules.join("; ")}`;
    });
    return roles.join("\n");
  }).join("\n");
}

describe("the RBAC manifests", () => {
  it("grant every permission the run asks for, in the file (and so the namespace) where it is bound", () => {
    for (const p of needed) {
      const rules = docs(fileFor(p)).flatMap((d) => d.rules);
      expect(
        rules.some((r) => grants(r, p)),
        `${p.verb} ${resourceOf(p)} in ${p.namespace ?? "the cluster"}`,
      ).toBe(true);
    }
  });

  it("grant nothing the code does not ask for", () => {
    for (const file of FILES)
      for (const doc of docs(file))
        for (const rule of doc.rules)
          for (const group of rule.apiGroups)
            for (const resource of rule.resources)
              for (const verb of rule.verbs)
                for (const name of rule.resourceNames ?? [undefined]) {
                  const asked = needed.some(
                    (p) =>
                      fileFor(p) === file &&
                      p.group === group &&
                      resourceOf(p) === resource &&
                      p.verb === verb &&
                      (name === undefined || p.name === name),
                  );
                  expect(
                    asked,
                    `${file} ${doc.metadata.name}: ${verb} ${resource}${name ? ` ${name}` : ""}`,
                  ).toBe(true);
                }
  });

  it("never grant pods/exec cluster-wide, and hard-code no Role's namespace", () => {
    for (const file of FILES)
      for (const doc of docs(file)) {
        if (doc.kind === "ClusterRole")
          expect(doc.rules.flatMap((r) => r.resources)).not.toContain("pods/exec");
        else expect(doc.metadata.namespace).toBeUndefined();
      }
  });

  it("are listed in README as they are (between the rbac markers)", () => {
    const readme = readFileSync("README.md", "utf8");
    const block = /<!-- rbac:begin -->\n([\s\S]*?)\n<!-- rbac:end -->/.exec(readme);
    if (process.env.UPDATE_GOLDEN === "1" && block)
      writeFileSync(
        "README.md",
        readme.replace(block[0], `<!-- rbac:begin -->\n${summary()}\n<!-- rbac:end -->`),
      );
    expect(block?.[1]).toBe(summary());
  });
});
