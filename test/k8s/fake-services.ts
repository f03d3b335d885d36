/**
 * Services on the test API server, and the pods' dual-stack addresses. A Service gets a
 * ClusterIP of the cluster's primary family (IPv4) and, where it asks for both
 * (ipFamilyPolicy PreferDualStack or RequireDualStack) and every node is dual-stack, an IPv6
 * one too; RequireDualStack on a single-stack cluster is refused as the API server does
 * (422 Invalid). Services go with their namespace. No proxy is simulated: a ClusterIP answers
 * nothing here (in simulated mode no trial's netperf runs anyway).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FakeApiServer } from "./fake-apiserver.js";
import { type Json, status } from "./fake-wire.js";

/** A pod's status.podIPs: its IPv4 address, and on a dual-stack node an IPv6 one from the node's fd00:10:244:<n>::/64. */
export function podIPs(s: FakeApiServer, internal: Json): { ip: string }[] {
  const index = s.nodes.findIndex((n) => n.ip === internal.nodeIp);
  const node = s.nodes[index];
  if (!node?.dualStack) return [{ ip: internal.ip }];
  const host = String(internal.ip).split(".").at(-1);
  return [{ ip: internal.ip }, { ip: `fd00:10:244:${index + 1}::${host}` }];
}

let next = 10;

/** Services in namespaces; false when the path is none of them. */
export async function handleServices(
  s: FakeApiServer,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  path: string,
): Promise<boolean> {
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/services(?:\/([^/]+))?$/.exec(path);
  if (!m) return false;
  const method = req.method ?? "GET";
  const send = (code: number, body: unknown) => {
    s.send(res, code, body);
    return true;
  };
  // a deleted namespace takes its Services along
  for (const [key, svc] of s.services) if (!s.namespaces.has(svc.metadata.namespace)) s.services.delete(key);
  const namespace = m[1] as string;
  if (!s.namespaces.has(namespace)) return send(404, status(404, `namespaces "${namespace}" not found`));
  const selector = url.searchParams.get("labelSelector");
  const inNamespace = [...s.services.values()].filter(
    (svc) => svc.metadata.namespace === namespace && s.matches(svc.metadata.labels, selector),
  );
  if (m[2]) {
    const svc = s.services.get(`${namespace}/${m[2]}`);
    if (!svc) return send(404, status(404, `services "${m[2]}" not found`));
    if (method === "DELETE") s.services.delete(`${namespace}/${m[2]}`);
    return send(200, svc);
  }
  if (method === "POST") {
    const svc = await s.body(req);
    svc.metadata.namespace = namespace;
    const key = `${namespace}/${svc.metadata.name}`;
    if (s.services.has(key)) return send(409, status(409, `services "${svc.metadata.name}" already exists`));
    const policy = svc.spec.ipFamilyPolicy ?? "SingleStack";
    const dualStack = s.nodes.every((n) => n.dualStack);
    if (policy === "RequireDualStack" && !dualStack)
      return send(422, {
        ...status(
          422,
          `Service "${svc.metadata.name}" is invalid: spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services`,
        ),
        reason: "Invalid",
      });
    const n = next++;
    const ips = [`10.96.0.${n}`, ...(policy !== "SingleStack" && dualStack ? [`fd00:10:96::${n}`] : [])];
    svc.spec = {
      ...svc.spec,
      clusterIP: ips[0],
      clusterIPs: ips,
      ipFamilies: ips.map((ip) => (ip.includes(":") ? "IPv6" : "IPv4")),
      ipFamilyPolicy: policy,
    };
    s.services.set(key, svc);
    return send(201, svc);
  }
  if (method === "DELETE") {
    for (const svc of inNamespace) s.services.delete(`${namespace}/${svc.metadata.name}`);
    return send(200, { kind: "Status", apiVersion: "v1", status: "Success" });
  }
  return send(200, { kind: "ServiceList", apiVersion: "v1", metadata: {}, items: inNamespace });
}
