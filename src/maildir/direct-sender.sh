# vmigrate's direct data path, run on the source: tar -c of the members named on stdin (NUL
# separated), straight into the destination's sshd with the source's own ssh client, which
# logs in with the run's key through the agent the controller forwards (nothing else is
# offered, no config file of the source's is read) and checks the destination's host key
# against the one the controller verified. POSIX sh.
#
# $1 = the destination's host key (`<type> <base64>`), $2 = the run's public key, $3 = host,
# $4 = port, $5 = login, $6 = the stream's request (direct-request.ts), $7 = the control socket
# of the domain's connection (direct-master.sh), or - to log in afresh (also what ssh does by
# itself when that connection is gone), then tar's arguments.
#
# On stdout, as it happens: tar -c's own lines, its checkpoints (`tar: vmigrate-records N`,
# records of 10240 bytes) and its total, which are the controller's progress. On stderr: the
# destination's lines prefixed `vmigrate-dest: `, then `vmigrate-direct-status: <ssh's>
# <tar -c's>` (ssh's is the destination's status, or 255 for ssh itself). Exit status: ssh's.
hostkey=$1 runkey=$2 host=$3 port=$4 login=$5 request=$6 ctl=$7
shift 7
[ "$ctl" = - ] && ctl=
# ssh refuses an identity file others could read, even one that holds only a public key.
umask 077
d=$(mktemp -d "${TMPDIR:-/tmp}/vmigrate-direct.XXXXXX") || exit 2
trap 'rm -rf -- "$d"' EXIT
# Killed, or the controller gone (its channel closed: writes fail): the directory goes too.
trap 'exit 143' HUP INT TERM PIPE
printf 'vmigrate-dest %s\n' "$hostkey" >"$d/known_hosts"
printf '%s\n' "$runkey" >"$d/run.pub"
exec 4>&1
{
  tar -c --checkpoint=32 --checkpoint-action='echo=vmigrate-records %u' --totals "$@" 2>&4
  echo $? >"$d/tar.status"
} | ssh -F /dev/null -T -x -a ${ctl:+-S "$ctl" -o ControlMaster=no} -p "$port" -l "$login" \
  -o BatchMode=yes -o HostKeyAlias=vmigrate-dest -o StrictHostKeyChecking=yes \
  -o UserKnownHostsFile="$d/known_hosts" -o GlobalKnownHostsFile=/dev/null \
  -o IdentitiesOnly=yes -o IdentityFile="$d/run.pub" -o PasswordAuthentication=no \
  -o KbdInteractiveAuthentication=no -o ServerAliveInterval=15 \
  -o ServerAliveCountMax=4 "$host" "$request" >"$d/dest.err" 2>&1
st=$?
exec 4>&-
[ -s "$d/dest.err" ] && sed 's/^/vmigrate-dest: /' "$d/dest.err" >&2
t=$(cat "$d/tar.status" 2>/dev/null || echo 255)
echo "vmigrate-direct-status: $st $t" >&2
exit "$st"
