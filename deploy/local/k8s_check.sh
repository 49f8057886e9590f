# shellcheck shell=bash
# ./dev k8s check: the Kubernetes manifests and the Prometheus rules, checked
# with the real tools of that ecosystem, offline (issue 17).
#
# For each overlay (deploy/k8s/overlays/local and overlays/production are
# required; any other directory under overlays/ is checked too):
#   kustomize_NAME    `kustomize build` succeeds (output: .local/k8s/NAME.yaml)
#   kubeconform_NAME  `kubeconform -strict` against the locally generated
#                     schemas (core Kubernetes + the operators' CRDs), no network
#   apiserver_NAME    `kubectl apply --dry-run=server --validate=strict` of the
#                     build on a real kube-apiserver + etcd started for the
#                     check on loopback, with the operators' CRDs applied and the
#                     build's namespaces created (output: .local/k8s/NAME.dry-run.txt)
# and, for the rules under deploy/monitoring/:
#   promtool_check    `promtool check rules` of every file in rules/
#   promtool_test     `promtool test rules` of every file in tests/
# and, to show that the dry-run can fail:
#   apiserver_refuses_broken
#                     the API server refuses every object of
#                     deploy/local/k8s-tools/testdata/broken (a selector that
#                     does not match its labels, a probe port out of range,
#                     an HPA whose minReplicas is above maxReplicas)
# A missing overlay, rule file or rule test is a failure, not a skip.
#
# The last line is one verdict line:
#   k8s: kustomize_local=ok kustomize_production=ok kubeconform_local=ok ... promtool_test=ok
# (also written to $K8S_VERDICT_FILE when set, without the "k8s: " prefix, for
# ./dev test). Exit status 0 when every check is ok.
#
# `./dev k8s check DIR...` checks those kustomization directories instead of
# the overlays (e.g. deploy/k8s/base).
#
# Sourced by ./dev after common.sh; the tools come from k8s_tools.sh.

# shellcheck source=deploy/local/k8s_tools.sh
source "$ROOT/deploy/local/k8s_tools.sh"

K8S_DIR="$ROOT/deploy/k8s"
K8S_MONITORING_DIR="$ROOT/deploy/monitoring"
K8S_OUT="$LOCAL/k8s"
K8S_REQUIRED_OVERLAYS=(local production)
# A kustomization with mistakes only an API server catches; each object must
# be refused (apiserver_refuses_broken), so the dry-run is known to bite.
K8S_BROKEN_FIXTURE="$K8S_TOOLS_MODULE/testdata/broken"
K8S_BROKEN_OBJECTS=(selector-mismatch bad-probe-port min-above-max)
K8S_ETCD_START_SECONDS=30
K8S_APISERVER_START_SECONDS=180
K8S_STOP_SECONDS=20

cmd_k8s() {
  local sub="${1:-}"
  (($#)) && shift
  case "$sub" in
    check) k8s_check "$@" ;;
    tools) k8s_tools_install ;;
    *) die "usage: ./dev k8s check [KUSTOMIZATION_DIR...] | ./dev k8s tools" ;;
  esac
}

# k8s_distinct_ports N: N free loopback ports, all different.
k8s_distinct_ports() {
  local -A seen=()
  local port n=0 tries=0
  while ((n < $1 && tries < 50)); do
    tries=$((tries + 1))
    port="$(ephemeral_port)"
    [[ -n "${seen[$port]:-}" ]] && continue
    seen[$port]=1
    echo "$port"
    n=$((n + 1))
  done
  ((n == $1))
}

# k8s_stop_pid PID NAME: stop_pid with K8S_STOP_SECONDS, if PID is running.
k8s_stop_pid() {
  [[ -n "$1" ]] && pid_alive "$1" || return 0
  stop_pid "$1" "$2" "$K8S_STOP_SECONDS"
}

# A throwaway CA, the API server's serving certificate (127.0.0.1), an admin
# client certificate (group system:masters) and the service-account key pair.
k8s_make_pki() {
  local pki="$1"
  mkdir -p "$pki"
  (
    cd "$pki" || exit 1
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.crt -days 2 -subj /CN=k8s-check-ca \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign &&
      openssl req "${ec[@]}" -keyout server.key -out server.csr -subj /CN=kube-apiserver &&
      printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n' >server.ext &&
      openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
        -extfile server.ext -out server.crt &&
      openssl req "${ec[@]}" -keyout admin.key -out admin.csr -subj /O=system:masters/CN=k8s-check-admin &&
      printf 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n' >admin.ext &&
      openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
        -extfile admin.ext -out admin.crt &&
      openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out sa.key &&
      openssl pkey -in sa.key -pubout -out sa.pub
  ) >"$pki/openssl.log" 2>&1
}

# k8s_namespaces FILE: the namespaces a build's objects live in, and those it
# declares (Namespace objects), one per line: "declared NAME" or "used NAME".
k8s_namespaces() {
  "$K8S_VENV/bin/python" - "$1" <<'EOF'
import sys
import yaml

declared, used = set(), set()
with open(sys.argv[1], encoding="utf-8") as f:
    for doc in yaml.safe_load_all(f):
        if not isinstance(doc, dict):
            continue
        meta = doc.get("metadata") or {}
        if doc.get("kind") == "Namespace" and doc.get("apiVersion") == "v1":
            declared.add(meta.get("name"))
        elif meta.get("namespace"):
            used.add(meta["namespace"])
for name in sorted(declared):
    print("declared", name)
for name in sorted(used - declared):
    print("used", name)
EOF
}

# k8s_apiserver_dry_run NAME...: starts etcd and kube-apiserver on loopback,
# applies the CRDs, and server-dry-runs .local/k8s/NAME.yaml for each NAME.
# Writes NAME.dry-run.txt and NAME.dry-run.rc. Runs in a subshell whose EXIT
# trap stops the API server, then etcd, and removes their data.
k8s_apiserver_dry_run() (
  local run etcd_pid="" api_pid="" ports etcd_port peer_port api_port kubeconfig name rc
  run="$(mktemp -d "${TMPDIR:-/tmp}/k8s-check.XXXXXX")"
  # shellcheck disable=SC2317 # the EXIT trap calls it
  k8s_dry_run_cleanup() {
    k8s_stop_pid "$api_pid" kube-apiserver
    k8s_stop_pid "$etcd_pid" etcd
    rm -rf "$run"
  }
  trap k8s_dry_run_cleanup EXIT
  trap 'exit 130' INT TERM

  k8s_make_pki "$run/pki" || {
    cat "$run/pki/openssl.log" >&2
    log "k8s: openssl could not make the throwaway certificates"
    return 1
  }
  mapfile -t ports < <(k8s_distinct_ports 3)
  ((${#ports[@]} == 3)) || {
    log "k8s: no free loopback ports"
    return 1
  }
  etcd_port="${ports[0]}" peer_port="${ports[1]}" api_port="${ports[2]}"

  "$K8S_ETCD" --name k8s-check --data-dir "$run/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "k8s-check=http://127.0.0.1:$peer_port" --logger zap --log-outputs stderr --log-level warn \
    </dev/null >"$K8S_OUT/etcd.log" 2>&1 &
  etcd_pid=$!
  local deadline=$((SECONDS + K8S_ETCD_START_SECONDS))
  until tcp_accepts "127.0.0.1:$etcd_port"; do
    if ! pid_alive "$etcd_pid" || ((SECONDS >= deadline)); then
      show_log_tail "$K8S_OUT/etcd.log"
      log "k8s: etcd did not start"
      return 1
    fi
    sleep 0.2
  done

  local pki="$run/pki"
  "$K8S_APISERVER" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --endpoint-reconciler-type none \
    --cert-dir "$run/apiserver" \
    --tls-cert-file "$pki/server.crt" --tls-private-key-file "$pki/server.key" \
    --client-ca-file "$pki/ca.crt" \
    --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 \
    --profiling=false \
    </dev/null >"$K8S_OUT/kube-apiserver.log" 2>&1 &
  api_pid=$!

  kubeconfig="$run/kubeconfig"
  cat >"$kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: k8s-check
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority: $pki/ca.crt
users:
- name: admin
  user:
    client-certificate: $pki/admin.crt
    client-key: $pki/admin.key
contexts:
- name: k8s-check
  context: {cluster: k8s-check, user: admin}
current-context: k8s-check
EOF
  local kubectl=("$K8S_KUBECTL" --kubeconfig "$kubeconfig" --cache-dir "$run/kube-cache")
  deadline=$((SECONDS + K8S_APISERVER_START_SECONDS))
  until "${kubectl[@]}" get --raw /readyz >/dev/null 2>&1; do
    if ! pid_alive "$api_pid" || ((SECONDS >= deadline)); then
      show_log_tail "$K8S_OUT/kube-apiserver.log" 40
      log "k8s: kube-apiserver did not become ready"
      return 1
    fi
    sleep 0.5
  done
  log "k8s: kube-apiserver $("${kubectl[@]}" version -o json 2>/dev/null |
    sed -n 's/.*"gitVersion": "\(.*\)",*/\1/p' | tail -n 1) ready on 127.0.0.1:$api_port (etcd $("$K8S_ETCD" --version | sed -n 's/^etcd Version: //p'))"

  # The operators' CRDs, as an operator installs them before using the
  # components (create: several are too large for apply's annotation).
  if ! "${kubectl[@]}" create -R -f "$K8S_CRD_DIR" >"$K8S_OUT/crds.txt" 2>&1 ||
    ! "${kubectl[@]}" wait --for condition=Established --timeout 120s crd --all >>"$K8S_OUT/crds.txt" 2>&1; then
    cat "$K8S_OUT/crds.txt" >&2
    log "k8s: the CRDs could not be applied"
    return 1
  fi

  for name in "$@"; do
    local file="$K8S_OUT/$name.yaml" out="$K8S_OUT/$name.dry-run.txt" kind ns declared=() used=()
    while read -r kind ns; do
      if [[ "$kind" == declared ]]; then declared+=("$ns"); else used+=("$ns"); fi
    done < <(k8s_namespaces "$file")
    {
      echo "# kubectl apply --dry-run=server --validate=strict -f .local/k8s/$name.yaml"
      echo "# namespaces created first: declared by the overlay: ${declared[*]:-none}; used but not declared: ${used[*]:-none}"
    } >"$out"
    rc=0
    # (--save-config: as if applied, so the dry-run of a declared Namespace
    # reads "unchanged" rather than warning about a missing annotation)
    for ns in "${declared[@]}" "${used[@]}"; do
      "${kubectl[@]}" get namespace "$ns" >/dev/null 2>&1 ||
        "${kubectl[@]}" create namespace "$ns" --save-config >>"$out" 2>&1 || rc=1
    done
    if ((rc == 0)); then
      "${kubectl[@]}" apply --dry-run=server --validate=strict -f "$file" >>"$out" 2>&1 || rc=$?
    fi
    echo "$rc" >"$K8S_OUT/$name.dry-run.rc"
  done
)

# k8s_promtool KIND DIR: promtool check rules (KIND=check) or test rules
# (KIND=test) of every .yml/.yaml file in DIR; output in .local/k8s/promtool_KIND.txt.
k8s_promtool() {
  local kind="$1" dir="$2" files=() out="$K8S_OUT/promtool_$1.txt"
  if [[ -d "$dir" ]]; then
    mapfile -t files < <(find "$dir" -maxdepth 1 -type f \( -name '*.yml' -o -name '*.yaml' \) | sort)
  fi
  if ((${#files[@]} == 0)); then
    echo "no rule files in ${dir#"$ROOT"/}" >"$out"
    log "k8s: promtool $kind: no .yml/.yaml files in ${dir#"$ROOT"/}"
    return 1
  fi
  "$K8S_PROMTOOL" "$kind" rules "${files[@]}" >"$out" 2>&1
}

# k8s_refused_all RC DRY_RUN_OUTPUT NAME...: the dry-run failed and refused
# every named object.
k8s_refused_all() {
  local rc="$1" out="$2" name ok=0
  shift 2
  if [[ "$rc" == 0 || "$rc" == missing ]]; then
    log "k8s: the API server accepted the broken fixture (or did not run): $out"
    return 1
  fi
  for name in "$@"; do
    if ! grep -q "\"$name\" is invalid" "$out"; then
      log "k8s: the API server did not refuse the broken fixture's $name (see $out)"
      ok=1
    fi
  done
  return "$ok"
}

# k8s_check [DIR...]: every check; prints the verdict line last.
k8s_check() {
  ensure_local_dirs
  mkdir -p "$K8S_OUT"
  local names=() dirs=() dir name
  if (($#)); then
    for dir in "$@"; do
      [[ "$dir" == /* ]] || dir="$ROOT/$dir"
      dirs+=("$dir")
      names+=("$(basename "$dir")")
    done
  else
    for name in "${K8S_REQUIRED_OVERLAYS[@]}"; do
      names+=("$name")
      dirs+=("$K8S_DIR/overlays/$name")
    done
    for dir in "$K8S_DIR"/overlays/*/; do
      [[ -d "$dir" ]] || continue
      name="$(basename "$dir")"
      [[ " ${names[*]} " == *" $name "* ]] && continue
      names+=("$name")
      dirs+=("${dir%/}")
    done
  fi

  local i results=() built=() rc
  local -A kustomize=() kubeconform=() apiserver=()
  for name in "${names[@]}"; do
    kustomize[$name]=fail kubeconform[$name]=fail apiserver[$name]=fail
    rm -f "$K8S_OUT/$name".{yaml,kustomize.txt,kubeconform.txt,dry-run.txt,dry-run.rc}
  done
  rm -f "$K8S_OUT"/promtool_{check,test}.txt "$K8S_OUT"/_broken.*

  if ! k8s_tools_install; then
    log "k8s: the tools could not be installed (logs: $K8S_TOOLS_LOG_DIR)"
    results=(k8s_tools=fail)
  else
    for i in "${!names[@]}"; do
      name="${names[$i]}" dir="${dirs[$i]}"
      if [[ ! -f "$dir/kustomization.yaml" ]]; then
        echo "no kustomization.yaml in ${dir#"$ROOT"/}" >"$K8S_OUT/$name.kustomize.txt"
        log "k8s: ${dir#"$ROOT"/}: no kustomization.yaml"
        continue
      fi
      if "$K8S_KUSTOMIZE" build "$dir" >"$K8S_OUT/$name.yaml" 2>"$K8S_OUT/$name.kustomize.txt" &&
        [[ -s "$K8S_OUT/$name.yaml" ]]; then
        kustomize[$name]=ok
        built+=("$name")
      else
        cat "$K8S_OUT/$name.kustomize.txt" >&2
        log "k8s: kustomize build ${dir#"$ROOT"/} failed"
        continue
      fi
      if "$K8S_KUBECONFORM" -strict -summary -output text \
        -schema-location "$K8S_SCHEMA_DIR/core/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
        -schema-location "$K8S_SCHEMA_DIR/crds/{{ .Group }}-{{ .ResourceKind }}-{{ .ResourceAPIVersion }}.json" \
        "$K8S_OUT/$name.yaml" >"$K8S_OUT/$name.kubeconform.txt" 2>&1; then
        kubeconform[$name]=ok
      else
        grep -v ' is valid$' "$K8S_OUT/$name.kubeconform.txt" >&2 || true
        log "k8s: kubeconform found problems in $name"
      fi
    done

    local broken=fail
    if "$K8S_KUSTOMIZE" build "$K8S_BROKEN_FIXTURE" >"$K8S_OUT/_broken.yaml" 2>"$K8S_OUT/_broken.kustomize.txt"; then
      built+=(_broken)
    else
      cat "$K8S_OUT/_broken.kustomize.txt" >&2
    fi
    if ((${#built[@]})); then
      k8s_apiserver_dry_run "${built[@]}" || log "k8s: the API server dry-run could not run (logs in .local/k8s/)"
      for name in "${built[@]}"; do
        rc="$(cat "$K8S_OUT/$name.dry-run.rc" 2>/dev/null || echo missing)"
        if [[ "$name" == _broken ]]; then
          k8s_refused_all "$rc" "$K8S_OUT/_broken.dry-run.txt" "${K8S_BROKEN_OBJECTS[@]}" && broken=ok
        elif [[ "$rc" == 0 ]]; then
          apiserver[$name]=ok
        elif [[ -f "$K8S_OUT/$name.dry-run.txt" ]]; then
          grep -vE '\((server dry run)\)$' "$K8S_OUT/$name.dry-run.txt" >&2 || true
          log "k8s: the API server refused $name (.local/k8s/$name.dry-run.txt)"
        fi
      done
    fi

    for name in "${names[@]}"; do results+=("kustomize_$name=${kustomize[$name]}"); done
    for name in "${names[@]}"; do results+=("kubeconform_$name=${kubeconform[$name]}"); done
    for name in "${names[@]}"; do results+=("apiserver_$name=${apiserver[$name]}"); done
    results+=("apiserver_refuses_broken=$broken")
    local check=fail test=fail
    k8s_promtool check "$K8S_MONITORING_DIR/rules" && check=ok
    k8s_promtool test "$K8S_MONITORING_DIR/tests" && test=ok
    [[ "$check" == ok ]] || cat "$K8S_OUT/promtool_check.txt" >&2
    [[ "$test" == ok ]] || cat "$K8S_OUT/promtool_test.txt" >&2
    results+=("promtool_check=$check" "promtool_test=$test")
  fi

  [[ -n "${K8S_VERDICT_FILE:-}" ]] && echo "${results[*]}" >"$K8S_VERDICT_FILE"
  echo "k8s: ${results[*]}"
  [[ " ${results[*]} " != *"=fail "* ]]
}
