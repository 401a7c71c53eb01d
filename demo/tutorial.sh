#!/usr/bin/env bash
# Builds runcws and walks the tutorial's VM steps on the built-in emulator:
# create a VM from demo/vm.create.json, poll its request, refresh it until it
# is running, make a private image of it, then delete both.
#
# Each runcws call prints the original tool's transcript on stderr and its
# JSON result on stdout. Run it as `RUNCWS_EMULATOR_SPEED=10 bash
# demo/tutorial.sh` to make the emulator ten times faster.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --locked --quiet
runcws="${CARGO_TARGET_DIR:-target}/debug/runcws"

# The value of a string or number field in a JSON answer (first match).
field() {
  sed -n "s/^ *\"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" | head -n 1
}

# Polls the current request until it is no longer in progress; prints its status.
follow_request() {
  local status
  while :; do
    status=$("$runcws" getr | field requestStatus)
    [ "$status" != in-progress ] && break
    sleep 1
  done
  echo "$status"
}

# Refreshes the current instance until it is no longer transient.
follow_instance() {
  local transient status
  while :; do
    "$runcws" getir >/dev/null
    follow_request >/dev/null
    transient=$("$runcws" geti | field transientStatus)
    status=$("$runcws" geti | field instanceStatus)
    echo "== instance is $status" >&2
    [ "$transient" = false ] && break
    sleep 2
  done
}

echo "== create a vm" >&2
"$runcws" createi demo/vm.create.json >/dev/null
[ "$(follow_request)" = completed ]
vm=$("$runcws" getr | field instanceId)
follow_instance
echo "== vm $vm is running at $("$runcws" geti "$vm" | field publicIpAddress)" >&2

echo "== make a private image of it" >&2
"$runcws" createimage demo/vm.create.image.json --instance "$vm" >/dev/null
[ "$(follow_request)" = completed ]
image=$("$runcws" getr | field instanceId)
follow_instance

echo "== delete the image and the vm" >&2
"$runcws" deletei "$image" >/dev/null
follow_request >/dev/null
"$runcws" deletei "$vm" >/dev/null
follow_request >/dev/null
"$runcws" geti "$vm"
echo "== done: vm $vm and image $image are deleted" >&2
