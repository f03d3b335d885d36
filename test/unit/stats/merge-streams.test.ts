/**
 * mergeStreams (stats/merge-streams.ts) on hand-made instances, each figure worked by hand:
 * rates and retransmissions add up (and are absent when one instance lacks them), CPU shares
 * are averaged, UDP loss comes from the summed sent and received rates, the mean latency is
 * weighted by each instance's transactions (rate × elapsed), the maximum is the largest, and
 * percentiles are merged only for request/response tests whose every instance has what a
 * bracket needs (its transactions, MIN_LATENCY and maximum). The real four-instance capture is
 * in merge-latency.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { Metrics, NetperfSample } from "../../../harness/netperf/parse.js";
import { boundPooledPercentile } from "../../../harness/stats/merge-latency.js";
import {
  mergeStreams,
  NoTransactionsError,
  timedNoTransaction,
} from "../../../harness/stats/merge-streams.js";

const sample = (metrics: Metrics, elapsedSec: number | null = 2, minLatency = "10"): NetperfSample =>
  ({ metrics, elapsedSec, raw: { MIN_LATENCY: minLatency } }) as unknown as NetperfSample;

describe("mergeStreams, by hand", () => {
  it("adds stream rates and retransmissions, averages CPU shares, has no latency for a stream test", () => {
    const merged = mergeStreams(
      [
        sample({ throughputMbps: 100.5, retransmissions: 3, localCpuPct: 40, remoteCpuPct: 30 }),
        sample({ throughputMbps: 200.25, retransmissions: 0, localCpuPct: 60, remoteCpuPct: 20 }),
        sample({ throughputMbps: 50, retransmissions: 7, localCpuPct: 50, remoteCpuPct: 25 }),
      ],
      [50, 90, 99],
    );
    expect(merged).toEqual({
      streams: 3,
      metrics: { throughputMbps: 350.75, retransmissions: 10, localCpuPct: 50, remoteCpuPct: 25 },
      perInstance: [
        { throughputMbps: 100.5, retransmissions: 3, localCpuPct: 40, remoteCpuPct: 30 },
        { throughputMbps: 200.25, retransmissions: 0, localCpuPct: 60, remoteCpuPct: 20 },
        { throughputMbps: 50, retransmissions: 7, localCpuPct: 50, remoteCpuPct: 25 },
      ],
      latency: null,
    });
  });

  it("leaves out a sum or mean that one instance cannot give", () => {
    const merged = mergeStreams(
      [sample({ throughputMbps: 100, localCpuPct: 40, retransmissions: 1 }), sample({ throughputMbps: 50 })],
      [],
    );
    expect(merged.metrics).toEqual({ throughputMbps: 150 });
  });

  it("takes UDP loss over all datagrams from the summed rates, never below 0", () => {
    // sent 100 + 300 = 400 Mb/s, received 90 + 210 = 300: 25% lost (not the mean of 10% and 30%)
    const lossy = mergeStreams(
      [sample({ throughputMbps: 90, sentMbps: 100 }), sample({ throughputMbps: 210, sentMbps: 300 })],
      [],
    );
    expect(lossy.metrics).toEqual({ throughputMbps: 300, sentMbps: 400, lossPct: 25 });
    // the receiver counted more than was sent (counter timing): 0, not negative
    const over = mergeStreams([sample({ throughputMbps: 101, sentMbps: 100 })], []);
    expect(over.metrics.lossPct).toBe(0);
    // nothing sent: no loss figure
    expect(mergeStreams([sample({ throughputMbps: 0, sentMbps: 0 })], []).metrics).not.toHaveProperty(
      "lossPct",
    );
  });

  it("weights the mean latency by transactions, takes the largest maximum and brackets the percentiles", () => {
    // transactions: 1000/s × 2 s = 2000 and 3000/s × 1 s = 3000; mean (2000·50 + 3000·20)/5000 = 32
    const instances = [
      sample(
        { transactionsPerSec: 1000, meanLatencyUs: 50, maxLatencyUs: 900, p50Us: 45, p99Us: 200 },
        2,
        "12",
      ),
      sample(
        { transactionsPerSec: 3000, meanLatencyUs: 20, maxLatencyUs: 400, p50Us: 18, p99Us: 90 },
        1,
        "8",
      ),
    ];
    const merged = mergeStreams(instances, [50, 99]);
    expect(merged.metrics).toEqual({ transactionsPerSec: 4000, meanLatencyUs: 32, maxLatencyUs: 900 });
    const latencies = [
      {
        transactions: 2000,
        minUs: 12,
        maxUs: 900,
        percentilesUs: [
          { percent: 50, us: 45 },
          { percent: 99, us: 200 },
        ],
      },
      {
        transactions: 3000,
        minUs: 8,
        maxUs: 400,
        percentilesUs: [
          { percent: 50, us: 18 },
          { percent: 99, us: 90 },
        ],
      },
    ];
    expect(merged.latency).toEqual({
      method: "bound",
      percentiles: [boundPooledPercentile(latencies, 50), boundPooledPercentile(latencies, 99)],
    });
    // TCP_CRR counts connections
    const crr = mergeStreams(
      [
        sample({ connectionsPerSec: 500, meanLatencyUs: 10, maxLatencyUs: 99 }, 4, "1"),
        sample({ connectionsPerSec: 1500, meanLatencyUs: 30, maxLatencyUs: 50 }, 4, "2"),
      ],
      [],
    );
    // (2000·10 + 6000·30) / 8000 = 25
    expect(crr.metrics).toEqual({ connectionsPerSec: 2000, meanLatencyUs: 25, maxLatencyUs: 99 });
    expect(crr.latency).toEqual({ method: "bound", percentiles: [] });
  });

  it("gives no pooled figure an instance cannot support", () => {
    const rr = (extra: Metrics, elapsed: number | null = 2, min = "10") =>
      sample(
        { transactionsPerSec: 1000, meanLatencyUs: 50, maxLatencyUs: 900, p50Us: 45, ...extra },
        elapsed,
        min,
      );
    // no elapsed time: no transaction count, so no weighted mean and no bracket
    const noElapsed = mergeStreams([rr({}), rr({}, null)], [50]);
    expect(noElapsed.metrics).not.toHaveProperty("meanLatencyUs");
    expect(noElapsed.latency).toBeNull();
    // MIN_LATENCY not measured (negative) or not a number: no bracket, the mean stays
    for (const min of ["-1", "x"]) {
      const merged = mergeStreams([rr({}), rr({}, 2, min)], [50]);
      expect(merged.latency, min).toBeNull();
      expect(merged.metrics.meanLatencyUs, min).toBe(50);
    }
    // a maximum missing: no maximum, no bracket
    const noMax = mergeStreams([rr({}), rr({ maxLatencyUs: undefined })], [50]);
    expect(noMax.metrics).not.toHaveProperty("maxLatencyUs");
    expect(noMax.latency).toBeNull();
    // a rate missing in one instance: not a request/response merge
    expect(mergeStreams([rr({}), sample({ throughputMbps: 5 })], [50]).latency).toBeNull();
    // zero transactions in all: nothing measured, so no figure at all (next test)
    expect(() => mergeStreams([rr({ transactionsPerSec: 0 })], [])).toThrow(NoTransactionsError);
    expect(() => mergeStreams([], [50])).toThrow(/at least one netperf instance/);
  });

  it("refuses a request/response trial whose every instance timed no transaction, and adds an idle one's 0", () => {
    const rr = (transactionsPerSec: number, elapsed: number | null = 2) =>
      sample({ transactionsPerSec, meanLatencyUs: 0, maxLatencyUs: 0, p50Us: 0 }, elapsed, "0");
    for (const percents of [[50, 90, 99], []]) {
      expect(() => mergeStreams([rr(0), rr(0), rr(0), rr(0)], percents)).toThrow(new NoTransactionsError(4));
    }
    expect(new NoTransactionsError(4).message).toBe(
      "every netperf instance (4 of 4) reported 0 transactions: the trial measured nothing",
    );
    expect(new NoTransactionsError(1).message).toBe(
      "netperf reported 0 transactions: the trial measured nothing",
    );
    expect([rr(0), rr(0.2), rr(0, null), rr(1)].map(timedNoTransaction)).toEqual([true, true, true, false]);
    expect(timedNoTransaction(sample({ throughputMbps: 0 }))).toBe(false);
    // under half a transaction each over 2 s (0.2/s): no transaction to rank a percentile by
    expect(() => mergeStreams([rr(0.2), rr(0.2)], [50])).toThrow(NoTransactionsError);
    // a rate of 0 with no elapsed time is still no transaction
    expect(() => mergeStreams([rr(0, null), rr(0, null)], [50])).toThrow(NoTransactionsError);
    // TCP_CRR: no connection in any instance
    const crr = (connectionsPerSec: number) =>
      sample({ connectionsPerSec, meanLatencyUs: 0, maxLatencyUs: 0 });
    expect(() => mergeStreams([crr(0), crr(0)], [])).toThrow(NoTransactionsError);
    expect(mergeStreams([crr(0), crr(10)], []).metrics.connectionsPerSec).toBe(10);
    // one instance idle among others: its 0 adds to the sum and counts nothing in the pool
    const busy = sample(
      { transactionsPerSec: 1000, meanLatencyUs: 50, maxLatencyUs: 900, p50Us: 45 },
      2,
      "12",
    );
    const merged = mergeStreams([rr(0), busy], [50]);
    expect(merged.metrics).toEqual({ transactionsPerSec: 1000, meanLatencyUs: 50, maxLatencyUs: 900 });
    expect(merged.latency?.percentiles).toEqual([
      boundPooledPercentile(
        [
          { transactions: 0, minUs: 0, maxUs: 0, percentilesUs: [{ percent: 50, us: 0 }] },
          { transactions: 2000, minUs: 12, maxUs: 900, percentilesUs: [{ percent: 50, us: 45 }] },
        ],
        50,
      ),
    ]);
    // a stream test at 0 throughput is a figure, not a refusal
    expect(mergeStreams([sample({ throughputMbps: 0 }), sample({ throughputMbps: 0 })], []).metrics).toEqual({
      throughputMbps: 0,
    });
  });
});
