# vmigrate: replace or remove one file atomically, only if it still holds what was read.
# argv: path, then "file" or "dir"; for a file: expected ("absent" or "<cksum> <size>"),
# the new state ("absent" or "<octal mode> <uid>:<gid>"), the new content's "<cksum> <size>";
# the new content on stdin. For a directory: expected mode, new mode.
# Exit 3 when the file changed since it was read, 5 when the new content arrived cut (nothing
# done either way).
set -u
p=$1 kind=$2 want=$3 next=$4 sum=${5-}
umask 077
if [ "$kind" = dir ]; then
  now=$(find "$p" -maxdepth 0 -printf '%m') || exit 1
  [ "$now" = "$want" ] || { echo "now $now"; exit 3; }
  exec chmod "$next" "$p"
fi
now=absent
if [ -e "$p" ] || [ -L "$p" ]; then
  [ -f "$p" ] && [ ! -L "$p" ] || { echo "not a plain file"; exit 4; }
  now=$(cksum <"$p") || exit 1
fi
[ "$now" = "$want" ] || { echo "now $now"; exit 3; }
if [ "$next" = absent ]; then
  cat >/dev/null
  exec rm -f -- "$p"
fi
tmp="$p.vmigrate.$$"
trap 'rm -f -- "$tmp"' EXIT
set -- $next
cat >"$tmp" || exit 1
# A controller killed before or while it sent the content leaves this script an early end of
# stdin, which cat takes for the end of the file: a cut file must never replace a whole one.
[ "$(cksum <"$tmp")" = "$sum" ] || { echo "the new content arrived incomplete"; exit 5; }
chown "$2" "$tmp" && chmod "$1" "$tmp" || exit 1
# The rename is the atomic step: a reader sees the old file or the new one, never half.
mv -f -- "$tmp" "$p" || exit 1
trap - EXIT
