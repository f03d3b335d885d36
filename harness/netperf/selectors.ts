/**
 * The netperf omni output selectors routebench asks for, in the order netperf prints them.
 * New selectors go at the end so a line keeps the positions of the older ones.
 *
 * UDP_STREAM (netperf 2.7.0 src/nettest_omni.c, send_omni_inner): THROUGHPUT is the rate the
 * receiver counted (`remote_bytes_xferd`, "if it is unreliable then we want what was actually
 * received"); LOCAL_SEND_THROUGHPUT is what netperf's successful send() calls handed to the
 * stack, in the same unit (libfmt). LOCAL_SEND_CALLS counts successful sends only (ENOBUFS is a
 * `failed_sends`), REMOTE_RECV_CALLS the datagrams netserver read: their difference is the loss.
 * LOCAL_SD/REMOTE_SD are CPU time per unit of work in SD_UNITS: "usec/Tran" for request/response
 * tests, "usec/KB" otherwise; both are measured only with -c/-C (else -1).
 */
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
  "LOCAL_SEND_THROUGHPUT",
  "LOCAL_SEND_CALLS",
  "REMOTE_RECV_CALLS",
  "LOCAL_SD",
  "REMOTE_SD",
  "SD_UNITS",
] as const;

export type NetperfSelector = (typeof NETPERF_SELECTORS)[number];
