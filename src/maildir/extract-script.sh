# vmigrate's end of a tree relay, run on the destination; POSIX sh, GNU tar, find and mv.
#
# The tar stream on stdin is unpacked into a staging directory of its own below the base, and
# its contents are moved into place only once tar has read the whole stream without an error.
# A stream cut short -- a lost connection, or a writer woken up long after its connection was
# given up -- therefore never replaces or truncates a file: it can only leave its staging
# directory behind, which the next writer into the same base removes. Moves are renames within
# one file system: a reader sees a file whole or not at all.
#
# Nothing is ever written through a symbolic link: each directory on the way is checked before
# anything moves into it, a new directory moves in whole, and a file replaces a link rather than
# following it.
#
# $1 = the base directory (where the stage is made), $2 = the uid that owns what the archive
# holds, $3 = the decompressor ('' for none), then pairs: a directory of the archive ('' for its
# top) and the directory whose contents it becomes. One stream may carry many mailboxes, each
# moved into its own user directory.
b=$1 owner=$2 z=$3
shift 3
# Staging directories of writers that are gone (killed, or their stream failed) are removed.
for d in "$b"/.vmigrate-stage.*; do
  [ -d "$d" ] || continue
  kill -0 "${d##*.}" 2>/dev/null || rm -rf -- "$d"
done
s=$b/.vmigrate-stage.$$
mkdir -m 700 -- "$s" || exit 2
if [ -n "$z" ]; then
  tar -x -C "$s" -I "$z" --ignore-zeros --numeric-owner -p
else
  tar -x -C "$s" --ignore-zeros --numeric-owner -p
fi || {
  st=$?
  rm -rf -- "$s"
  exit "$st"
}
# As root, a directory tar made only as the parent of a member belongs to root, and one that
# the archive holds belongs to its owner: only the latter may move in whole.
root=0
[ "$(id -u)" = 0 ] && [ "$owner" != 0 ] && root=1
refuse() {
  printf 'vmigrate: %s\n' "$1" >&2
  exit 3
}
# $1: a directory of the stage, $2: the directory it is merged into.
merge() {
  for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    [ -d "$e" ] && [ ! -L "$e" ] || continue
    t=$2/${e##*/}
    if [ -L "$t" ]; then
      refuse "$t is a symbolic link on the destination: nothing is written through it"
    elif [ -d "$t" ]; then
      (merge "$e" "$t") || exit
    elif [ -e "$t" ]; then
      refuse "$t exists on the destination and is not a directory"
    elif [ "$root" = 1 ] && [ -O "$e" ]; then
      refuse "$t vanished on the destination during the copy"
    else
      mv -f -T -- "$e" "$t" || exit
    fi
  done
  find "$1" -mindepth 1 -maxdepth 1 ! -type d -exec mv -f -t "$2" -- {} + || exit
}
st=0
while [ "$#" -ge 2 ] && [ "$st" = 0 ]; do
  from=$s${1:+/$1} to=$2
  shift 2
  [ -d "$from" ] || continue
  if [ -L "$to" ] || [ ! -d "$to" ]; then
    printf 'vmigrate: %s is not a directory on the destination\n' "$to" >&2
    st=3
  else
    (merge "$from" "$to")
    st=$?
  fi
done
rm -rf -- "$s"
exit "$st"
