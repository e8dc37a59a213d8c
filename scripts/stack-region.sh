#!/usr/bin/env bash
# Prints the AWS region a stack's file names (aws:region in Pulumi.<stack>.yaml), for the
# workflows' AWS credentials: the deploy command acts in that region and refuses any other
# (program.StackRegion reads the same key; workflows_test.go keeps the two in step).
set -euo pipefail
cd "$(dirname "$0")/.."
stack=${1:?usage: scripts/stack-region.sh STACK}
region=$(sed -nE 's/^  aws:region: *"?([a-z0-9-]+)"?$/\1/p' "Pulumi.$stack.yaml")
if [ -z "$region" ]; then
  echo "stack-region.sh: Pulumi.$stack.yaml sets no aws:region; set it with: pulumi config set aws:region <region> -s $stack" >&2
  exit 1
fi
echo "$region"
