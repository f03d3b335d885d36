/**
 * The served FORWARD reader: its answer parsed exactly, its requests per family, and what it
 * gives when it cannot read (nothing, so that the session reads with iptables-save). The real
 * helper against iptables-save is the integration test's (test/integration/lab.test.ts).
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ForwardCounter, parseForwardCounts } from "../../../harness/backends/lab/forward-counter.js";

const NODES = ["rb-node1", "rb-node2"];

describe("parseForwardCounts", () => {
  it("reads one count or '-' per namespace, in order", () => {
    expect(parseForwardCounts("12 -\n", NODES)).toEqual({ "rb-node1": 12, "rb-node2": null });
    expect(parseForwardCounts("0 9007199254740991", NODES)).toEqual({
      "rb-node1": 0,
      "rb-node2": 9007199254740991,
    });
  });

  it("refuses an answer that is not one count or '-' per namespace", () => {
    for (const bad of ["", "12", "1 2 3", "1 -2", "1 2.5", "1 x", "1 9007199254740993"])
      expect(parseForwardCounts(bad, NODES), JSON.stringify(bad)).toBeNull();
  });
});

/** A stand-in helper: a script that checks its arguments, logs each request, and answers with `body`. */
function fakeHelper(body: string): { file: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), "rb-nfcount-"));
  const file = join(dir, "nfcount.sh");
  const log = join(dir, "requests");
  writeFileSync(
    file,
    `#!/bin/sh\n[ "$1" = --serve ] && [ "$2" = /run/netns/rb-node1 ] && [ "$3" = /run/netns/rb-node2 ] || exit 3\n: > ${log}\n${body.replaceAll("LOG", log)}\n`,
  );
  chmodSync(file, 0o755);
  return { file, log };
}

describe("ForwardCounter", () => {
  it("asks per family and gives each namespace's count, from one process", async () => {
    const helper = fakeHelper('n=0; while read f; do n=$((n+1)); echo "$f" >> LOG; echo "$n$f -"; done');
    const counter = new ForwardCounter(NODES, helper.file);
    expect(await counter.read(false)).toEqual({ "rb-node1": 14, "rb-node2": null });
    expect(await counter.read(true)).toEqual({ "rb-node1": 26, "rb-node2": null });
    expect(readFileSync(helper.log, "utf8")).toBe("4\n6\n");
    counter.close();
    counter.close(); // twice is safe
  });

  it("gives nothing, from then on, when the helper is missing, answers nonsense or exits", async () => {
    const missing = new ForwardCounter(NODES, "/nonexistent/rb_nfcount");
    expect(await missing.read(false)).toEqual({});
    const nonsense = new ForwardCounter(NODES, fakeHelper("while read f; do echo 'lots'; done").file);
    expect(await nonsense.read(false)).toEqual({});
    expect(await nonsense.read(false)).toEqual({});
    const exits = new ForwardCounter(NODES, fakeHelper("read f; echo '1 2'; exit 0").file);
    expect(await exits.read(false)).toEqual({ "rb-node1": 1, "rb-node2": 2 });
    expect(await exits.read(false)).toEqual({});
  });
});
