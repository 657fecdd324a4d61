# vmigrate's direct data path, run on the source for the length of a domain's copy: one ssh
# connection to the destination, logged in once with the run's key (through the agent the
# controller forwards), whose control socket every stream of the domain then shares
# (direct-sender.sh): a login per stream cost about a quarter of a second, more than a slice's
# bytes take. POSIX sh; GNU sleep.
#
# $1 = the destination's host key, $2 = the run's public key, $3 = host, $4 = port, $5 = login.
# Prints `vmigrate-master <socket>` once the connection is up, then holds it until its stdin
# ends (the controller closes it, or its connection is gone); the destination's complaints
# prefixed `vmigrate-dest: ` on stderr when it cannot log in.
hostkey=$1 runkey=$2 host=$3 port=$4 login=$5
umask 077
d=$(mktemp -d "${TMPDIR:-/tmp}/vmigrate-direct.XXXXXX") || exit 2
ctl=$d/ctl
pid=
stop() {
  [ -S "$ctl" ] && ssh -F /dev/null -S "$ctl" -O exit vmigrate-dest >/dev/null 2>&1
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  rm -rf -- "$d"
}
trap stop EXIT
trap 'exit 143' HUP INT TERM PIPE
printf 'vmigrate-dest %s\n' "$hostkey" >"$d/known_hosts"
printf '%s\n' "$runkey" >"$d/run.pub"
have=$(ssh -Q cipher 2>/dev/null)
ciphers=
for c in aes128-gcm@openssh.com aes256-gcm@openssh.com chacha20-poly1305@openssh.com aes128-ctr aes256-ctr; do
  case "
$have
" in *"
$c
"*) ciphers=${ciphers:+$ciphers,}$c ;; esac
done
ssh -F /dev/null -M -S "$ctl" -N -T -x -a ${ciphers:+-c "$ciphers"} -p "$port" -l "$login" \
  -o BatchMode=yes -o HostKeyAlias=vmigrate-dest -o StrictHostKeyChecking=yes \
  -o UserKnownHostsFile="$d/known_hosts" -o GlobalKnownHostsFile=/dev/null \
  -o IdentitiesOnly=yes -o IdentityFile="$d/run.pub" -o PasswordAuthentication=no \
  -o KbdInteractiveAuthentication=no -o ControlPersist=no -o ServerAliveInterval=15 \
  -o ServerAliveCountMax=4 "$host" </dev/null >"$d/dest.err" 2>&1 &
pid=$!
i=0
until ssh -F /dev/null -S "$ctl" -O check vmigrate-dest >/dev/null 2>&1; do
  if ! kill -0 "$pid" 2>/dev/null || [ "$i" -ge 300 ]; then
    sed 's/^/vmigrate-dest: /' "$d/dest.err" >&2
    exit 255
  fi
  i=$((i + 1))
  sleep 0.1
done
echo "vmigrate-master $ctl"
cat >/dev/null
