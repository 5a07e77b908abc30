#!/bin/sh
# Init step of compose.yaml (service `crds`), run once per `docker compose up` in the rancher/k3s
# image (busybox sh + kubectl of the same Kubernetes version as the cluster). Idempotent.
#
#   init.sh                                      the whole init (below)
#   init.sh find-crds ROOT                       print the CRD directory found under ROOT
#   init.sh rewrite-kubeconfig IN OUT            copy IN with its server set to $TWINLAB_K3S_SERVER
#   init.sh render-cloudcore-config TPL OUT      render deploy/compose/cloudcore.yaml
#
# The whole init:
#   1. k3s's admin kubeconfig (/kube/k3s.yaml, server https://127.0.0.1:6443) → /kube/kubeconfig
#      with server https://k3s:6443, the name the other containers reach k3s by (k3s runs with
#      --tls-san k3s, so the name is in its serving certificate);
#   2. namespace kubeedge;
#   3. KubeEdge's 13 CRDs (build/crds of kubeedge v1.23.1), applied from the directory mounted at
#      /crds (TWINLAB_CRDS_DIR), until every CRD is Established;
#   4. a ServiceAccount allowed only `GET /metrics`, its token written to /prometheus-auth/token
#      for Prometheus to scrape the k3s API server (skipped with a warning if it fails);
#   5. cloudcore's config rendered to /kube/cloudcore.yaml.
set -eu

KUBEEDGE_VERSION=v1.23.1
TWINLAB_K3S_SERVER=${TWINLAB_K3S_SERVER:-https://k3s:6443}

log() { echo "[twinlab-init] $*" >&2; }
fail() { log "ERROR: $*"; exit 1; }

count_yaml() {
  find "$1" -type f \( -name '*.yaml' -o -name '*.yml' \) | wc -l | tr -d ' '
}

# Accepts, best first: the build cache root (~/.cache/twinlab/controlplane, holding one
# <version>-<hash>/crds per build; the newest complete copy wins), one build directory (its
# crds/), or a directory of CRD files itself (e.g. build/crds of the kubeedge module).
find_crds() {
  root=$1
  [ -d "$root" ] || return 1
  for d in $(ls -dt "$root"/"$KUBEEDGE_VERSION"-*/crds 2>/dev/null); do
    if [ -f "$d/.complete" ] && [ "$(count_yaml "$d")" -gt 0 ]; then echo "$d"; return 0; fi
  done
  if [ -d "$root/crds" ] && [ "$(count_yaml "$root/crds")" -gt 0 ]; then echo "$root/crds"; return 0; fi
  if [ "$(count_yaml "$root")" -gt 0 ]; then echo "$root"; return 0; fi
  return 1
}

rewrite_kubeconfig() {
  in=$1 out=$2
  sed -e "s#server: https://127\.0\.0\.1:6443#server: $TWINLAB_K3S_SERVER#" \
      -e "s#server: https://localhost:6443#server: $TWINLAB_K3S_SERVER#" "$in" > "$out.tmp"
  grep -q "server: $TWINLAB_K3S_SERVER\$" "$out.tmp" || { rm -f "$out.tmp"; fail "no https://127.0.0.1:6443 server line in $in"; }
  chmod 600 "$out.tmp"
  mv "$out.tmp" "$out"
}

node_limit() {
  nodes=${TWINLAB_NODES:-1000}
  case $nodes in '' | *[!0-9]*) fail "TWINLAB_NODES must be a positive integer (got '$nodes')" ;; esac
  limit=${TWINLAB_NODE_LIMIT:-}
  if [ -z "$limit" ]; then
    limit=$((nodes + 100))
    [ "$limit" -ge 1000 ] || limit=1000
  fi
  case $limit in '' | 0 | *[!0-9]*) fail "TWINLAB_NODE_LIMIT must be a positive integer (got '$limit')" ;; esac
  echo "$limit"
}

render_cloudcore_config() {
  tpl=$1 out=$2
  ip=${TWINLAB_CLOUDCORE_IP:-10.213.46.10}
  echo "$ip" | grep -Eq '^([0-9]{1,3}\.){3}[0-9]{1,3}$' || fail "TWINLAB_CLOUDCORE_IP must be an IPv4 address (got '$ip')"
  limit=$(node_limit)
  sed -e "s/__TWINLAB_CLOUDCORE_IP__/$ip/g" -e "s/__TWINLAB_NODE_LIMIT__/$limit/g" "$tpl" > "$out.tmp"
  if grep -q '__TWINLAB_' "$out.tmp"; then rm -f "$out.tmp"; fail "unrendered placeholder left in $out"; fi
  mv "$out.tmp" "$out"
  log "cloudcore config: advertiseAddress $ip, nodeLimit $limit → $out"
}

wait_for() {
  what=$1 seconds=$2
  shift 2
  i=0
  until "$@" > /dev/null 2>&1; do
    i=$((i + 1))
    [ "$i" -lt "$seconds" ] || fail "timed out after ${seconds}s waiting for $what"
    sleep 1
  done
}

prometheus_token() {
  kubectl apply -f /twinlab/prometheus-rbac.yaml > /dev/null || return 1
  i=0
  while [ "$i" -lt 60 ]; do
    token=$(kubectl -n kube-system get secret twinlab-prometheus-token \
      -o go-template='{{if .data}}{{if .data.token}}{{.data.token | base64decode}}{{end}}{{end}}' 2>/dev/null || true)
    if [ -n "$token" ]; then
      mkdir -p /prometheus-auth
      printf '%s' "$token" > /prometheus-auth/token.tmp
      chmod 644 /prometheus-auth/token.tmp
      mv /prometheus-auth/token.tmp /prometheus-auth/token
      return 0
    fi
    i=$((i + 1))
    sleep 1
  done
  return 1
}

main() {
  wait_for "k3s to write /kube/k3s.yaml" 300 test -s /kube/k3s.yaml
  rewrite_kubeconfig /kube/k3s.yaml /kube/kubeconfig
  export KUBECONFIG=/kube/kubeconfig
  wait_for "the k3s API server at $TWINLAB_K3S_SERVER" 300 kubectl get --raw /readyz
  log "k3s ready at $TWINLAB_K3S_SERVER"

  kubectl create namespace kubeedge --dry-run=client -o yaml | kubectl apply -f - > /dev/null
  log "namespace kubeedge present"

  dir=$(find_crds /crds) || fail "no KubeEdge CRDs under TWINLAB_CRDS_DIR (mounted at /crds). Build the control plane once (pnpm build:controlplane fills ~/.cache/twinlab/controlplane/<version>/crds) or point TWINLAB_CRDS_DIR at build/crds of github.com/kubeedge/kubeedge@$KUBEEDGE_VERSION"
  log "applying $(count_yaml "$dir") CRD files from ${dir#/crds}/ (host: TWINLAB_CRDS_DIR)"
  kubectl apply --server-side --force-conflicts -R -f "$dir" > /dev/null
  kubectl wait --for=condition=Established --timeout=120s crd --all > /dev/null
  log "CRDs Established: $(kubectl get crd -o name | grep -c 'kubeedge\.io') kubeedge.io CRDs"

  if prometheus_token; then
    log "Prometheus token for the API server's /metrics written"
  else
    log "WARNING: no Prometheus token for the API server; its scrape job will show as down"
  fi

  render_cloudcore_config /twinlab/cloudcore.yaml /kube/cloudcore.yaml
  log "done"
}

case ${1:-all} in
  all) main ;;
  find-crds) find_crds "$2" || fail "no CRD files under $2" ;;
  rewrite-kubeconfig) rewrite_kubeconfig "$2" "$3" ;;
  render-cloudcore-config) render_cloudcore_config "$2" "$3" ;;
  *) fail "unknown command $1" ;;
esac
