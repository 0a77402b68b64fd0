set -eu
fail() { echo "drain failed: $*" >&2; exit 1; }
for v in SSM_DrainUrl SSM_TimeoutSeconds; do
  printenv "$v" >/dev/null || fail "environment variable $v is missing: this document needs SSM Agent 3.3.2746.0 or later (interpolationType ENV_VAR)"
done
case "$SSM_TimeoutSeconds" in ''|*[!0-9]*) fail "TimeoutSeconds is not a whole number of seconds" ;; esac
start=$(date +%s)
deadline=$((start + SSM_TimeoutSeconds))
# POST: the model server stops accepting new requests. GET: 200/204 once no request is in flight.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST "$SSM_DrainUrl" || true)
case "$code" in
  000) echo "drained: $SSM_DrainUrl is unreachable, the model server is not running: nothing to drain"; exit 0 ;;
  2[0-9][0-9]) echo "drain requested: POST $SSM_DrainUrl answered $code" ;;
  *) echo "POST $SSM_DrainUrl answered $code: waiting for in-flight requests anyway" >&2 ;;
esac
while :; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$SSM_DrainUrl" || true)
  case "$code" in
    200|204) echo "drained: no request in flight after $(($(date +%s) - start)) s"; exit 0 ;;
    000) echo "drained: the model server stopped after $(($(date +%s) - start)) s"; exit 0 ;;
  esac
  [ "$(date +%s)" -lt "$deadline" ] || fail "requests still in flight after $SSM_TimeoutSeconds s (last answer: $code)"
  sleep 2
done
