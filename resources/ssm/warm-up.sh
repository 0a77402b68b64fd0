set -eu
set -f # no globbing: model keys may contain '*'
fail() { echo "warm-up failed: $*" >&2; exit 1; }
# Values arrive only as environment variables (interpolationType ENV_VAR): never spliced into this script.
for v in SSM_ModelUris SSM_ReadinessUrl SSM_CacheDir SSM_TimeoutSeconds SSM_Mode; do
  printenv "$v" >/dev/null || fail "environment variable $v is missing: this document needs SSM Agent 3.3.2746.0 or later (interpolationType ENV_VAR)"
done
case "$SSM_TimeoutSeconds" in ''|*[!0-9]*) fail "TimeoutSeconds is not a whole number of seconds" ;; esac
case "$SSM_Mode" in load|prestage) ;; *) fail "Mode must be load or prestage" ;; esac
case "/$SSM_CacheDir/" in */../*) fail "CacheDir must not contain a .. segment" ;; esac
start=$(date +%s)
deadline=$((start + SSM_TimeoutSeconds))
command -v aws >/dev/null 2>&1 || fail "the AWS CLI (aws) is not installed on the instance: it downloads the models"
mkdir -p -- "$SSM_CacheDir"
count=0
for uri in $SSM_ModelUris; do
  rel=$(printf '%s' "$uri" | cut -c6-)
  case "/$rel/" in */../*) fail "model URI $uri has a .. segment" ;; esac
  left=$((deadline - $(date +%s)))
  [ "$left" -gt 0 ] || fail "the budget of $SSM_TimeoutSeconds s was spent before $uri was downloaded"
  dest="$SSM_CacheDir/$rel"
  case "$uri" in
    */)
      echo "downloading prefix $uri to $dest"
      timeout "$left" aws s3 cp --recursive --only-show-errors "$uri" "$dest" || fail "download of $uri failed or exceeded the budget"
      ;;
    *)
      echo "downloading object $uri to $dest"
      mkdir -p -- "$(dirname -- "$dest")"
      timeout "$left" aws s3 cp --only-show-errors "$uri" "$dest" || fail "download of $uri failed or exceeded the budget"
      ;;
  esac
  count=$((count + 1))
done
echo "downloaded $count model URI(s) into $SSM_CacheDir in $(($(date +%s) - start)) s"
if [ "$SSM_Mode" = prestage ]; then
  echo "Mode=prestage (launch into a warm pool): models staged on disk, not loaded"
  exit 0
fi
echo "waiting for $SSM_ReadinessUrl to answer 2xx"
code=000
while :; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$SSM_ReadinessUrl" || true)
  case "$code" in 2[0-9][0-9]) echo "ready: $SSM_ReadinessUrl answered $code after $(($(date +%s) - start)) s"; exit 0 ;; esac
  [ "$(date +%s)" -lt "$deadline" ] || fail "$SSM_ReadinessUrl did not answer 2xx within $SSM_TimeoutSeconds s (last answer: $code)"
  sleep 5
done
