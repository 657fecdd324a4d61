# vmigrate's direct data path, run on the source after direct-ssh.sh: tar -c of the members
# named on stdin (NUL separated), straight into the destination's sshd.
#
# $1–$5 as direct-ssh.sh says, $6 = the stream's request (direct-request.ts), $7 = the control socket
# of the domain's connection (direct-master.sh), or - to log in afresh (also what ssh does by
# itself when that connection is gone), then tar's arguments.
#
# On stdout, as it happens: tar -c's own lines, its checkpoints (`tar: vmigrate-records N`,
# records of 10240 bytes) and its total, which are the controller's progress. On stderr: the
# destination's lines prefixed `vmigrate-dest: `, then `vmigrate-direct-status: <ssh's>
# <tar -c's>` (ssh's is the destination's status, or 255 for ssh itself). Exit status: ssh's.
request=$6 ctl=$7
shift 7
[ "$ctl" = - ] && ctl=
exec 4>&1
{
  # A checkpoint every 128 records (1.25 MiB): a few a second for a stream of any speed worth
  # this path; every 32 it was 2,300 lines for 745 MB, each through sshd and the controller.
  tar -c --checkpoint=128 --checkpoint-action='echo=vmigrate-records %u' --totals "$@" 2>&4
  echo $? >"$d/tar.status"
} | dest_ssh ${ctl:+-S "$ctl" -o ControlMaster=no} "$host" "$request" >"$d/dest.err" 2>&1
st=$?
exec 4>&-
[ -s "$d/dest.err" ] && sed 's/^/vmigrate-dest: /' "$d/dest.err" >&2
t=$(cat "$d/tar.status" 2>/dev/null || echo 255)
echo "vmigrate-direct-status: $st $t" >&2
exit "$st"
