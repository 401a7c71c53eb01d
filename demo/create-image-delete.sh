#!/bin/sh
# create → wait → image → delete, with explicit ids: safe to run in parallel.
set -eu
vm=$(runcws -q createi --wait --timeout 5m demo/vm.create.json --jq .instanceId)
echo "vm $vm is running at $(runcws -q geti "$vm" --jq .attributes.publicIpAddress)"

image=$(runcws -q createimage --wait --instance "$vm" demo/vm.create.image.json --jq .instanceId)
echo "image $image is $(runcws -q geti "$image" --jq .attributes.instanceStatus): $(runcws -q geti "$image" --jq .resourceUri)"

runcws -q deletei --wait "$image" --jq '"image \(.instanceId): \(.attributes.instanceStatus)"'
runcws -q deletei --wait "$vm" --jq '"vm \(.instanceId): \(.attributes.instanceStatus)"'
