# vmigrate's direct data path, run on the source after direct-ssh.sh for the length of a
# domain's copy: one ssh connection to the destination, logged in once with the run's key,
# whose control socket every stream of the domain then shares (direct-sender.sh): a login per
# stream cost about a quarter of a second, more than a slice's bytes take. GNU sleep.
#
# $1–$5 as direct-ssh.sh says. Prints `vmigrate-master <socket>` once the connection is up, then holds it until its stdin
# ends (the controller closes it, or its connection is gone); the destination's complaints
# prefixed `vmigrate-dest: ` on stderr when it cannot log in.
ctl=$d/ctl
pid=
stop() {
  [ -S "$ctl" ] && ssh -F /dev/null -S "$ctl" -O exit vmigrate-dest >/dev/null 2>&1
  # Waited for: gone before its socket's directory, and never left to init, still running.
  [ -n "$pid" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
  rm -rf -- "$d"
}
trap stop EXIT
# AES-GCM first where both ends speak it (a fifth faster than OpenSSH's default chacha20 on
# CPUs with AES instructions); a client too old to list its ciphers keeps its defaults.
have=$(ssh -Q cipher 2>/dev/null)
ciphers=
for c in aes128-gcm@openssh.com aes256-gcm@openssh.com chacha20-poly1305@openssh.com aes128-ctr aes256-ctr; do
  case "
$have
" in *"
$c
"*) ciphers=${ciphers:+$ciphers,}$c ;; esac
done
dest_ssh -M -S "$ctl" -N ${ciphers:+-c "$ciphers"} -o ControlPersist=no "$host" \
  </dev/null >"$d/dest.err" 2>&1 &
pid=$!
# ssh makes its control socket once it has logged in: it is looked for every 20 ms (a login
# takes a quarter of a second, and every stream waits for it), and asked only once it is there.
i=0
until [ -S "$ctl" ] && ssh -F /dev/null -S "$ctl" -O check vmigrate-dest >/dev/null 2>&1; do
  if ! kill -0 "$pid" 2>/dev/null || [ "$i" -ge 1500 ]; then
    sed 's/^/vmigrate-dest: /' "$d/dest.err" >&2
    exit 255
  fi
  i=$((i + 1))
  sleep 0.02
done
echo "vmigrate-master $ctl"
cat >/dev/null
