#!/usr/bin/env bash
# Mutation testing (Stryker, stryker.config.mjs) of the pure modules, one group at a time:
#   npm run mutate            every group, one after the other
#   npm run mutate -- stats   one group: stats, netperf, sweep, report or lab
# Reports and each group's incremental file: reports/mutation/<group>/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
ALL=(stats netperf sweep report lab)
selected=("$@")
[ ${#selected[@]} -eq 0 ] && selected=("${ALL[@]}")
for group in "${selected[@]}"; do
  case " ${ALL[*]} " in
    *" $group "*) ;;
    *) echo "mutate: unknown group '$group' (one of: ${ALL[*]})" >&2; exit 2 ;;
  esac
  echo "== mutate $group"
  RB_MUTATE_GROUP=$group npx stryker run
done
