#!/usr/bin/env bash
# Mutation testing (Stryker, stryker.config.mjs) of the pure modules, one group at a time:
#   npm run mutate            every group, one after the other
#   npm run mutate -- stats   one group: stats, netperf, sweep, report or lab
#   npm run mutate -- stats harness/stats/summary.ts [more files]
#                             some files of one group, with a cache and reports of their own
# Reports and each group's incremental file: reports/mutation/<group>/ (git-ignored); a subset's
# under reports/mutation/<group>/<first file's base name>/. RB_MUTATE_CONCURRENCY sets Stryker's
# workers (default: the config's 2).
set -euo pipefail
cd "$(dirname "$0")/.."
ALL=(stats netperf sweep report lab)
concurrency=()
[ -n "${RB_MUTATE_CONCURRENCY:-}" ] && concurrency=(--concurrency "$RB_MUTATE_CONCURRENCY")
if [ $# -gt 1 ] && [[ $2 == *.ts ]]; then
  group=$1
  shift
  case " ${ALL[*]} " in
    *" $group "*) ;;
    *) echo "mutate: unknown group '$group' (one of: ${ALL[*]})" >&2; exit 2 ;;
  esac
  for file in "$@"; do
    [ -f "$file" ] || { echo "mutate: no file $file" >&2; exit 2; }
  done
  echo "== mutate $group: $*"
  RB_MUTATE_GROUP=$group RB_MUTATE_FILES=$(IFS=,; echo "$*") npx stryker run "${concurrency[@]}"
  exit
fi
selected=("$@")
[ ${#selected[@]} -eq 0 ] && selected=("${ALL[@]}")
for group in "${selected[@]}"; do
  case " ${ALL[*]} " in
    *" $group "*) ;;
    *) echo "mutate: unknown group '$group' (one of: ${ALL[*]})" >&2; exit 2 ;;
  esac
  echo "== mutate $group"
  RB_MUTATE_GROUP=$group npx stryker run "${concurrency[@]}"
done
