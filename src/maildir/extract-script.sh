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
  rm -rf -- "$s"
  exit 3
}
failed() {
  st=$?
  rm -rf -- "$s"
  exit "$st"
}
# "$@" is a queue of pairs: a directory of the stage and the destination directory it is
# merged into. A staged directory whose destination is absent moves in whole; one that exists
# is merged, its subdirectories queued, its other entries moved in by one mv. No subshell per
# directory: a stream of many small mailboxes must not cost a dozen processes for each.
while [ "$#" -ge 2 ]; do
  from=$s${1:+/$1} to=$2
  shift 2
  [ -d "$from" ] && [ ! -L "$from" ] || continue
  [ ! -L "$to" ] && [ -d "$to" ] || refuse "$to is not a directory on the destination"
  files=0
  for e in "$from"/* "$from"/.[!.]* "$from"/..?*; do
    if [ -d "$e" ] && [ ! -L "$e" ]; then
      t=$to/${e##*/}
      if [ -L "$t" ]; then
        refuse "$t is a symbolic link on the destination: nothing is written through it"
      elif [ -d "$t" ]; then
        set -- "$@" "${e#"$s"/}" "$t"
      elif [ -e "$t" ]; then
        refuse "$t exists on the destination and is not a directory"
      elif [ "$root" = 1 ] && [ -O "$e" ]; then
        refuse "$t vanished on the destination during the copy"
      else
        mv -f -T -- "$e" "$t" || failed
      fi
    elif [ -e "$e" ] || [ -L "$e" ]; then
      files=1
    fi
  done
  if [ "$files" = 1 ]; then
    find "$from" -mindepth 1 -maxdepth 1 ! -type d -exec mv -f -t "$to" -- {} + || failed
  fi
done
rm -rf -- "$s"
