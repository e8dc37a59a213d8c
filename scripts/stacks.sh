#!/usr/bin/env bash
# Prints the repository's stacks (one per Pulumi.<stack>.yaml beside Pulumi.yaml) as a JSON array,
# for the workflows' stack matrices: a new stack file is previewed without a workflow edit. Stack
# names are letters, digits, '.', '-' and '_' (Pulumi's rule), so they need no JSON escaping; a
# file whose name breaks that rule fails here rather than in a matrix.
set -euo pipefail
cd "$(dirname "$0")/.."
sep="" out="["
for f in Pulumi.*.yaml; do
  [ -e "$f" ] || continue
  stack=${f#Pulumi.}
  stack=${stack%.yaml}
  if [[ ! $stack =~ ^[A-Za-z0-9_.-]+$ ]]; then
    echo "stacks.sh: $f: a stack name is letters, digits, '.', '-' and '_' only" >&2
    exit 1
  fi
  out+="$sep\"$stack\""
  sep=","
done
echo "$out]"
