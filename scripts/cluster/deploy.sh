#!/usr/bin/env bash
# npm run cluster:deploy -- deploys the application on the local cluster exactly as README
# "Deploy to a Kubernetes cluster" tells a user: the infrastructure with kubectl apply -k, the
# Secrets with kubectl create secret, then helm install of charts/bank-cqrs with a profile's
# values file, and helm test. Idempotent: existing Secrets are kept, the release is upgraded.
# The profile is values-redis.yaml (event store and bus on Redis), with sign-in at the release's own
# provider (values-local-signin.yaml: Hydra, demo users alice, bob and admin whose random passwords
# are in the Secret bank-cqrs-demo-passwords); the cluster suite swaps the bus
# to RabbitMQ and back with helm upgrade. Passwords and tokens are random, made here, and live only in the cluster's Secrets.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -f "$KUBECONFIG_ADMIN" ] || die "no local cluster: run npm run cluster:up first"

random() { openssl rand -hex 24; }
# secret NAMESPACE NAME KEY=VALUE...: kubectl create secret generic, unless it exists.
secret() {
  local ns=$1 name=$2; shift 2
  kubectl -n "$ns" get secret "$name" >/dev/null 2>&1 && return 0
  local args=() kv
  for kv in "$@"; do args+=("--from-literal=$kv"); done
  kubectl -n "$ns" create secret generic "$name" "${args[@]}" >/dev/null
}
secret_value() { kubectl -n "$1" get secret "$2" -o "jsonpath={.data.$3}" | base64 -d; }
namespace() { kubectl get namespace "$1" >/dev/null 2>&1 || kubectl create namespace "$1" >/dev/null; }

main() {
  local t0=$SECONDS
  say "infrastructure: namespace bank-infra, its Secrets, kubectl apply -k k8s/overlays/local-cluster"
  namespace bank-infra
  secret bank-infra bank-cqrs-redis "redis-password=$(random)"
  secret bank-infra bank-cqrs-rabbitmq-user username=bank "password=$(random)"
  secret bank-infra bank-cqrs-ferretdb-postgres username=bank "password=$(random)"
  kubectl apply -k "$ROOT/k8s/overlays/local-cluster" >/dev/null
  kubectl -n bank-infra rollout status statefulset/redis --timeout=300s >/dev/null
  kubectl -n bank-infra rollout status statefulset/ferretdb-postgres --timeout=300s >/dev/null
  kubectl -n bank-infra rollout status deployment/ferretdb --timeout=300s >/dev/null
  kubectl -n bank-infra rollout status statefulset/rabbitmq --timeout=300s >/dev/null

  say "application Secrets in namespace bank"
  namespace bank
  local redis_pw rabbit_pw pg_pw
  redis_pw=$(secret_value bank-infra bank-cqrs-redis redis-password)
  rabbit_pw=$(secret_value bank-infra bank-cqrs-rabbitmq-user password)
  pg_pw=$(secret_value bank-infra bank-cqrs-ferretdb-postgres password)
  secret bank bank-cqrs-dapr-api-token "token=$(random)"
  secret bank bank-cqrs-app-api-token "token=$(random)"
  secret bank bank-cqrs-redis "redis-password=$redis_pw" \
    "redis-url=redis://:$redis_pw@redis.bank-infra.svc.$CLUSTER_DOMAIN:6379"
  secret bank bank-cqrs-mongodb \
    "mongodb-url=mongodb://bank:$pg_pw@ferretdb.bank-infra.svc.$CLUSTER_DOMAIN:27017/bank?authMechanism=PLAIN"
  secret bank bank-cqrs-rabbitmq "connection-string=amqp://bank:$rabbit_pw@rabbitmq.bank-infra.svc.$CLUSTER_DOMAIN:5672"

  say "sign-in Secrets: the provider's system secret, the demo users (random passwords) and their directory"
  secret bank bank-cqrs-hydra "secrets-system=$(random)"
  secret bank bank-cqrs-demo-passwords "alice=$(random)" "bob=$(random)" "admin=$(random)"
  if ! kubectl -n bank get secret bank-cqrs-login-users >/dev/null 2>&1; then
    local users
    users=$(printf '[{"username":"alice","role":"customer","password":"%s"},{"username":"bob","role":"customer","password":"%s"},{"username":"admin","role":"admin","password":"%s"}]' \
      "$(secret_value bank bank-cqrs-demo-passwords alice)" "$(secret_value bank bank-cqrs-demo-passwords bob)" "$(secret_value bank bank-cqrs-demo-passwords admin)")
    (cd "$ROOT" && npm run -s login-users <<<"$users") | kubectl -n bank create secret generic bank-cqrs-login-users --from-file=login-users=/dev/stdin >/dev/null
  fi

  say "helm upgrade --install bank-cqrs charts/bank-cqrs -f charts/bank-cqrs/values-redis.yaml -f charts/bank-cqrs/values-local-signin.yaml"
  helm upgrade --install bank-cqrs "$ROOT/charts/bank-cqrs" --namespace bank \
    -f "$ROOT/charts/bank-cqrs/values-redis.yaml" -f "$ROOT/charts/bank-cqrs/values-local-signin.yaml" --wait --timeout 10m >/dev/null
  say "helm test bank-cqrs"
  helm test bank-cqrs --namespace bank --timeout 5m
  say "deployed in $((SECONDS - t0)) s"
}
main "$@"
