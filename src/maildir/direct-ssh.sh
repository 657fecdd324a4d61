# The start of direct-sender.sh and direct-master.sh (prepended to each): how the source's ssh
# reaches the destination on the direct data path, in one place. It reads no config file of
# the source's, offers only the run's key (through the agent the controller forwards: the
# public half in a temporary file selects it), and checks the destination's host key against
# the one the controller verified (a temporary known_hosts under a HostKeyAlias; the source's
# own known_hosts is not touched). POSIX sh.
#
# $1 = the destination's host key (`<type> <base64>`), $2 = the run's public key, $3 = host,
# $4 = port, $5 = login (the same first five arguments for both scripts). Makes the temporary
# directory $d, removed on exit (a script that holds more replaces the EXIT trap), and dest_ssh: ssh to the destination with
# these settings and the arguments given.
hostkey=$1 runkey=$2 host=$3 port=$4 login=$5
# ssh refuses an identity file others could read, even one that holds only a public key.
umask 077
d=$(mktemp -d "${TMPDIR:-/tmp}/vmigrate-direct.XXXXXX") || exit 2
trap 'rm -rf -- "$d"' EXIT
# Whose it is: a directory whose owner is gone (killed with KILL) is swept by the next run's
# reach probe (direct-reach.ts).
echo $$ >"$d/owner"
# Killed, or the controller gone (its channel closed: writes fail): the directory goes too.
trap 'exit 143' HUP INT TERM PIPE
printf 'vmigrate-dest %s\n' "$hostkey" >"$d/known_hosts"
printf '%s\n' "$runkey" >"$d/run.pub"
# ssh takes the place of the shell that calls it, so call it only in a subshell of its own (the
# right of a pipeline, or in the background): `$!` is then ssh itself, which the caller's kill
# and wait reach, instead of a shell whose death would leave ssh running, adopted by init.
dest_ssh() {
  exec ssh -F /dev/null -T -x -a -p "$port" -l "$login" \
    -o BatchMode=yes -o HostKeyAlias=vmigrate-dest -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$d/known_hosts" -o GlobalKnownHostsFile=/dev/null \
    -o IdentitiesOnly=yes -o IdentityFile="$d/run.pub" -o PasswordAuthentication=no \
    -o KbdInteractiveAuthentication=no -o ServerAliveInterval=15 -o ServerAliveCountMax=4 \
    "$@"
}
