#!/usr/bin/env bash
# npm run test:cluster -- the end-to-end suite against the release on the local cluster of
# `npm run cluster:up`: deploys (or upgrades) it exactly as README "Deploy to a Kubernetes cluster"
# says (scripts/cluster/deploy.sh, ending with helm test), then runs the Jest project "cluster"
# (services/system-tests/src/cluster/*.cluster.test.ts, jest.cluster.config.js). The suite reaches
# the cluster only through kubectl port-forward on 127.0.0.1. Extra arguments go to Jest, e.g.
#   npm run test:cluster -- -t 'SSE'        or        npm run test:cluster -- release api
# BANK_CLUSTER_SKIP_DEPLOY=1 skips the deploy step (the release must be there already).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -f "$KUBECONFIG_ADMIN" ] && [ -x "$BIN/kubectl" ] || die "no local cluster: run npm run cluster:up first"
kubectl get --raw /readyz >/dev/null 2>&1 || die "the local cluster's API server does not answer: run npm run cluster:up first"
[ -x "$BIN/helm" ] || die "helm is missing from $BIN: run npm run cluster:up first"

cd "$ROOT"
t0=$SECONDS
if [ "${BANK_CLUSTER_SKIP_DEPLOY:-}" != 1 ]; then
  say "deploy (idempotent): bash scripts/cluster/deploy.sh"
  bash "$ROOT/scripts/cluster/deploy.sh"
fi
deployed=$SECONDS
say "jest -c jest.cluster.config.js --runInBand"
status=0
KUBECTL="$BIN/kubectl" HELM="$BIN/helm" BANK_KUBECONFIG="$KUBECONFIG_ADMIN" \
  npx jest -c jest.cluster.config.js --runInBand ${CLUSTER_JEST_JSON:+--json --outputFile="$CLUSTER_JEST_JSON"} "$@" || status=$?
say "deploy $((deployed - t0)) s, suite $((SECONDS - deployed)) s, total $((SECONDS - t0)) s (exit $status)"
exit "$status"
