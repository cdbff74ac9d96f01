#!/usr/bin/env bash
# Builds the image of ./Dockerfile and runs it (issue 14, README "Container image"): the build,
# then a container from it that must become healthy through the image's own HEALTHCHECK, run as a
# non-root user, answer `latch --version`, keep its data in the volume, and stop on SIGTERM with
# exit code 0 within the shutdown bound. Not part of `npm test` (it needs a container engine).
#
#   scripts/container-check.sh                  # docker, else podman
#   LATCH_CONTAINER_ENGINE=podman LATCH_CONTAINER_FLAGS='--runtime /usr/sbin/runc' scripts/container-check.sh
#
# LATCH_CONTAINER_FLAGS go to both `build` and `run` (e.g. a runtime or ulimits a sandbox needs);
# LATCH_BUILD_FLAGS to `build` only (e.g. `--volume /root/.npm:/root/.npm` to reuse npm's cache).
set -euo pipefail
cd "$(dirname "$0")/.."

ENGINE="${LATCH_CONTAINER_ENGINE:-$(command -v docker >/dev/null 2>&1 && echo docker || echo podman)}"
read -r -a FLAGS <<<"${LATCH_CONTAINER_FLAGS:-}"
read -r -a BUILD_FLAGS <<<"${LATCH_BUILD_FLAGS:-}"
IMAGE="${LATCH_IMAGE:-latch:check}"
NAME="latch-check-$$"
VOLUME="latch-check-data-$$"
started=$(date +%s)
say() { echo "container-check [$(($(date +%s) - started)) s] $*"; }
cleanup() {
  "$ENGINE" rm -f "$NAME" >/dev/null 2>&1 || true
  "$ENGINE" volume rm -f "$VOLUME" >/dev/null 2>&1 || true
}
trap cleanup EXIT

if [ "${LATCH_SKIP_BUILD:-}" != 1 ]; then
  say "building $IMAGE with $ENGINE"
  # podman writes OCI images by default, which have no HEALTHCHECK: ask for Docker's format.
  FORMAT=()
  [ "$ENGINE" = podman ] && FORMAT=(--format docker)
  "$ENGINE" build "${FORMAT[@]}" "${FLAGS[@]}" "${BUILD_FLAGS[@]}" -t "$IMAGE" .
fi

say "running $NAME"
"$ENGINE" volume create "$VOLUME" >/dev/null
"$ENGINE" run -d --name "$NAME" "${FLAGS[@]}" \
  -e LATCH_SECRET="container-check-secret-$(date +%s%N)-0123456789" \
  -v "$VOLUME:/var/lib/latch" "$IMAGE" >/dev/null

# Healthy through the image's own HEALTHCHECK command (podman runs it on demand; docker on its timer).
deadline=$(($(date +%s) + 120))
until
  if [ "$ENGINE" = podman ]; then "$ENGINE" healthcheck run "$NAME" >/dev/null 2>&1
  else [ "$("$ENGINE" inspect --format '{{.State.Health.Status}}' "$NAME")" = healthy ]; fi
do
  if [ "$("$ENGINE" inspect --format '{{.State.Running}}' "$NAME")" != true ]; then
    "$ENGINE" logs "$NAME" >&2 || true
    echo "container-check: the container exited before it was healthy" >&2
    exit 1
  fi
  if [ "$(date +%s)" -gt "$deadline" ]; then
    "$ENGINE" logs "$NAME" >&2 || true
    echo "container-check: not healthy within 120 s" >&2
    exit 1
  fi
  sleep 1
done
say "healthy (HEALTHCHECK: node's fetch of /healthz)"

uid=$("$ENGINE" exec "$NAME" id -u)
[ "$uid" != 0 ] || { echo "container-check: runs as root" >&2; exit 1; }
say "runs as uid $uid ($("$ENGINE" exec "$NAME" id -un))"
say "latch --version: $("$ENGINE" exec "$NAME" latch --version)"
"$ENGINE" exec "$NAME" test -f /var/lib/latch/latch.db || { echo "container-check: no database in the volume" >&2; exit 1; }
say "SQLite database in the volume: /var/lib/latch/latch.db"
"$ENGINE" exec "$NAME" node -e "fetch('http://127.0.0.1:9000/.well-known/openid-configuration').then(async (r) => { const d = await r.json(); if (!d.issuer) process.exit(1); console.log('discovery: issuer ' + d.issuer) })"

stop_started=$(date +%s)
"$ENGINE" stop -t 15 "$NAME" >/dev/null
code=$("$ENGINE" inspect --format '{{.State.ExitCode}}' "$NAME")
took=$(($(date +%s) - stop_started))
"$ENGINE" logs "$NAME" 2>&1 | grep -q '"msg":"stopped"' || { "$ENGINE" logs "$NAME" >&2; echo "container-check: no graceful stop in the logs" >&2; exit 1; }
[ "$code" = 0 ] || { echo "container-check: exit code $code after SIGTERM" >&2; exit 1; }
[ "$took" -le 12 ] || { echo "container-check: stop took $took s" >&2; exit 1; }
say "SIGTERM: stopped gracefully in ${took} s, exit code 0"
say "passed"
