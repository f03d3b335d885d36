/** The netperf omni output selectors routebench asks for, in the order netperf prints them. */
export const NETPERF_SELECTORS = [
  "THROUGHPUT",
  "THROUGHPUT_UNITS",
  "TRANSACTION_RATE",
  "MEAN_LATENCY",
  "P50_LATENCY",
  "P90_LATENCY",
  "P99_LATENCY",
  "MIN_LATENCY",
  "MAX_LATENCY",
  "STDDEV_LATENCY",
  "LOCAL_CPU_UTIL",
  "REMOTE_CPU_UTIL",
  "LOCAL_TRANSPORT_RETRANS",
  "REMOTE_TRANSPORT_RETRANS",
  "ELAPSED_TIME",
] as const;

export type NetperfSelector = (typeof NETPERF_SELECTORS)[number];
