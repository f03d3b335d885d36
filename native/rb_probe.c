// routebench's CPU speed probe: a fixed piece of work, timed in this thread's CPU time.
//
// Run pinned to the benchmark CPU right before and after each lab trial. A host that slows the
// guest (a busy hyperthread sibling, memory contention, time taken without steal accounting)
// makes the same work cost more CPU time; a task of the guest's own that preempts the probe does
// not (it is not this thread's time). Two parts, timed apart: a chain of dependent multiplies
// (the core's speed) and a walk of dependent loads through 4 MiB in a random cycle (the caches'
// and memory's). Prints "<multiply ns> <memory ns> <wall ns>" and exits 0; with --serve, builds
// its memory once, then measures once per line read on stdin, printing one such line each, and
// exits 0 at the end of stdin (its parent gone included).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MULTIPLIES 2000000L
#define WORDS ((4u << 20) / sizeof(uint32_t))
#define LOADS 50000L

static int64_t ns(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static uint32_t *next;

static void measure(void) {
  int64_t wall = ns(CLOCK_MONOTONIC);
  int64_t start = ns(CLOCK_THREAD_CPUTIME_ID);
  uint64_t x = 1;
  for (long i = 0; i < MULTIPLIES; i++) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    __asm__ volatile("" : "+r"(x));
  }
  int64_t middle = ns(CLOCK_THREAD_CPUTIME_ID);
  uint32_t at = 0;
  for (long i = 0; i < LOADS; i++) {
    at = next[at];
    __asm__ volatile("" : "+r"(at));
  }
  int64_t end = ns(CLOCK_THREAD_CPUTIME_ID);
  wall = ns(CLOCK_MONOTONIC) - wall;
  printf("%lld %lld %lld\n", (long long)(middle - start), (long long)(end - middle), (long long)wall);
  fflush(stdout);
}

int main(int argc, char **argv) {
  int serve = argc > 1 && strcmp(argv[1], "--serve") == 0;
  next = malloc(WORDS * sizeof(uint32_t));
  if (!next) return 1;
  // one cycle through every word (Sattolo's shuffle), the same each run
  for (uint32_t i = 0; i < WORDS; i++) next[i] = i;
  uint64_t seed = 0x9e3779b97f4a7c15ULL;
  for (uint32_t i = WORDS - 1; i > 0; i--) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    uint32_t j = (uint32_t)((seed >> 33) % i);
    uint32_t t = next[i];
    next[i] = next[j];
    next[j] = t;
  }
  if (!serve) {
    measure();
    return 0;
  }
  char line[64];
  while (fgets(line, sizeof line, stdin)) measure();
  return 0;
}
