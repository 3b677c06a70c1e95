#!/bin/busybox sh
# /init of the guest: mounts, loads the SCTP and virtio modules, configures the network, then
# serves the harness's control channel on the virtio-serial port.
#
# Control protocol (one line each way): the host sends "ID COMMAND"; the guest runs COMMAND with
# sh under a time limit and answers with its output followed by "\n@@end ID RC\n".
/bin/busybox --install -s /bin
export PATH=/bin:/guest
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp /run
mount -t tmpfs tmpfs /tmp

# In the order `modprobe --show-depends` gave when the image was built.
while read -r module; do
  insmod "/modules/$module" || echo "init: insmod $module failed" > /dev/ttyS0
done < /modules/order

echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad
echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad
ip link set lo up
ip link set eth0 up
ip addr add 10.77.0.2/24 dev eth0
ip -6 addr add fd77::2/64 dev eth0

port=
for _ in $(seq 100); do
  port=$(ls /dev/vport*p1 2>/dev/null | head -n 1)
  [ -n "$port" ] && break
  sleep 0.1
done
echo "init: ready, control on $port" > /dev/ttyS0

exec 3<> "$port"
while :; do
  if ! IFS= read -r line <&3; then
    sleep 0.05  # the host side is not connected yet: reads see end of file
    continue
  fi
  id=${line%% *}
  command=${line#* }
  timeout -s KILL 60 sh -c "$command" > /tmp/.control-out 2>&1 < /dev/null
  rc=$?
  cat /tmp/.control-out >&3
  printf '\n@@end %s %s\n' "$id" "$rc" >&3
done
