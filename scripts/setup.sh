#!/usr/bin/env bash
# Installs what routebench needs, when it is missing: Debian packages (netperf from the
# non-free component), npm dependencies with the project's Node.js LTS, the BPF object and the
# compiled CLI.
# Idempotent and quick when everything is present. Used by `npm start`, `npm test` and CI.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'setup: %s\n' "$*" >&2; }

# command-or-file  debian-package
required=(
  "netperf netperf"
  "netserver netperf"
  "sockperf sockperf"
  "iperf3 iperf3"
  "clang clang"
  "bpftool bpftool"
  "/usr/include/bpf/bpf_helpers.h libbpf-dev"
  "/usr/include/libmnl/libmnl.h libmnl-dev"
  "/usr/include/libnftnl/rule.h libnftnl-dev"
  "ip iproute2"
  "tc iproute2"
  "iptables iptables"
  "iptables-save iptables"
  "conntrack conntrack"
  "perf linux-perf"
  "nsenter util-linux"
  "mountpoint util-linux"
  "sysctl procps"
  "pgrep procps"
  "chromium chromium"
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf fonts-dejavu-core"
)

missing=()
for entry in "${required[@]}"; do
  what=${entry% *} pkg=${entry#* }
  if [[ $what == /* ]]; then [[ -e $what ]] && continue; else command -v "$what" >/dev/null 2>&1 && continue; fi
  [[ " ${missing[*]} " == *" $pkg "* ]] || missing+=("$pkg")
done

enable_non_free() {
  # netperf lives in Debian's non-free component: add it to the machine's existing source.
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -e $f ]] || continue
    if grep -q '^Components:' "$f" && ! grep -q '^Components:.*\bnon-free\b' "$f"; then
      log "adding non-free to the first Debian source in $f"
      sed -i '0,/^Components: \(.*\)$/{s//Components: \1 non-free/}' "$f"
    fi
    return 0
  done
  if [[ -f /etc/apt/sources.list ]] && ! grep -q 'non-free' /etc/apt/sources.list; then
    sed -i -E '0,/^deb .* main/{s/^(deb .* main)(.*)$/\1\2 non-free/}' /etc/apt/sources.list
  fi
}

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    log "missing Debian packages: ${missing[*]}; run this script as root (sudo bash scripts/setup.sh)"
    exit 1
  fi
  log "installing Debian packages: ${missing[*]}"
  enable_non_free
  # iperf3's package asks whether to run a system-wide iperf3 daemon (default no): say no
  # explicitly, so no server outside routebench's control listens while it measures.
  echo "iperf3 iperf3/start_daemon boolean false" | debconf-set-selections
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

# npm dependencies: install when absent, when the lock file changed since the last install, or
# when the project's Node is missing. That Node (the registry's `node` package, a dependency) is
# the LTS the project runs on whatever the machine has: npm scripts find node_modules/.bin/node
# first on PATH, and bin/routebench.js runs itself again with it when started by an older Node.
minimum_node_major=22
if ! command -v npm >/dev/null 2>&1; then
  log "npm is missing: install Node.js and npm first (Debian 12: apt-get install nodejs npm);" \
    "npm ci then installs the project's Node.js 24. This script does not install them."
  exit 3
fi
project_node=node_modules/.bin/node
install_needed() {
  [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]] ||
    ! "$project_node" --version >/dev/null 2>&1
}
if install_needed && [[ -L node_modules ]]; then
  # A checkout (a git worktree) that shares another checkout's install through a link: npm ci
  # would empty the linked folder, the other checkout's node_modules. Never run it through one.
  linked=$(readlink -f node_modules || readlink node_modules)
  if [[ -f node_modules/.package-lock.json ]] && "$project_node" --version >/dev/null 2>&1; then
    log "node_modules is a symlink to $linked: not running npm ci through it (that would empty $linked);" \
      "using the dependencies installed there as they are (run this script in that checkout to update them)"
  else
    log "node_modules is a symlink to $linked, which holds no usable install (no Node.js at $project_node):" \
      "not running npm ci through it (that would empty $linked). Run this script in the checkout that" \
      "owns $linked, or replace the link with an install of its own (rm node_modules, then run this script again)."
    exit 1
  fi
elif install_needed; then
  machine_node=$(command -v node >/dev/null 2>&1 && node --version || echo none)
  log "installing npm dependencies, Node.js included (the machine's node: $machine_node)"
  machine_major=${machine_node#v} machine_major=${machine_major%%.*}
  if [[ $machine_node == none ]] || ((machine_major < minimum_node_major)); then
    log "an EBADENGINE warning for routebench is expected: npm runs on the machine's older Node"
  fi
  npm ci --no-audit --no-fund >&2
fi
project_node_version=$("$project_node" --version 2>/dev/null || true)
if [[ ! $project_node_version =~ ^v([0-9]+)\. ]] || ((BASH_REMATCH[1] < minimum_node_major)); then
  log "$project_node does not run Node.js >= $minimum_node_major (got '${project_node_version:-nothing}'):" \
    "its preinstall script fetches the binary from the npm registry; was npm run with --ignore-scripts?" \
    "Remove node_modules and run this script again."
  exit 1
fi

# The BPF objects (tc host routing, cgroup socket load balancing), rebuilt when a source is newer.
for name in rb_host rb_sock; do
  bpf_src=bpf/$name.bpf.c bpf_obj=bpf/build/$name.bpf.o
  if [[ ! -f $bpf_obj || $bpf_src -nt $bpf_obj ]]; then
    log "building $bpf_obj"
    mkdir -p bpf/build
    clang -O2 -g -Wall -Werror -target bpf -I"/usr/include/$(uname -m)-linux-gnu" -c "$bpf_src" -o "$bpf_obj"
  fi
done

# The CPU speed probe run between lab trials (harness/machine/cpu-probe.ts), rebuilt when its source is newer.
if [[ ! -f native/build/rb_probe || native/rb_probe.c -nt native/build/rb_probe ]]; then
  log "building native/build/rb_probe"
  mkdir -p native/build
  clang -O2 -Wall -Werror -o native/build/rb_probe native/rb_probe.c
fi

# The FORWARD counter reader of the lab's closing path readings (backends/lab/forward-counter.ts).
if [[ ! -f native/build/rb_nfcount || native/rb_nfcount.c -nt native/build/rb_nfcount ]]; then
  log "building native/build/rb_nfcount"
  mkdir -p native/build
  clang -O2 -Wall -Werror -o native/build/rb_nfcount native/rb_nfcount.c -lnftnl -lmnl
fi

# The compiled CLI (tsc is incremental: quick when nothing changed).
npx --no-install tsc -p tsconfig.build.json >&2
