# vmigrate's end of a tree relay, run on the destination; POSIX sh, GNU tar and coreutils.
#
# The tar stream on stdin is unpacked into a staging directory of its own below the base, and
# its contents are placed only once tar has read the whole stream without an error. A stream
# cut short -- a lost connection, or a writer woken up long after its connection was given up
# -- therefore never replaces or truncates a file: it can only leave its staging directory
# behind, which the next writer into the same base removes.
#
# A stream of many mailboxes is placed by hard links made by one `cp -R -l` (a file appears
# whole or not at all, and the cost does not grow with the number of mailboxes: a process per
# directory made a stream of many small mailboxes cost more than its bytes). As root, cp runs
# as the owner of the mail, so the directories it makes are the owner's from the start, with
# the archive's modes. A file the destination already has is replaced by a rename, and a
# stream of one mailbox is moved into place by renames.
#
# Nothing is ever written through a symbolic link: every directory of the stage is checked
# against the destination (for many mailboxes before anything is placed, for one as each
# directory is moved): a link or another kind of file in the way is named, and that part of
# the stream dropped. cp never replaces a link by a directory, and a link standing where a
# file goes is replaced, not followed.
#
# $1 = the base directory (where the stage is made), $2 = uid:gid that own what the archive
# holds, $3 = the decompressor ('' for none), $4 = a GNU tar --transform expression that puts
# each mailbox of a stream of many under .p/ at its place below the base ('' for none: the
# archive's top is the base).
b=$1 owner=$2 z=$3 t=$4
umask 022
# Staging directories of writers that are gone (killed, or their stream failed) are removed.
for d in "$b"/.vmigrate-stage.*; do
  [ -d "$d" ] || continue
  kill -0 "${d##*.}" 2>/dev/null || rm -rf -- "$d"
done
s=$b/.vmigrate-stage.$$
# Readable by the owner, for cp; the base itself is the owner's and closed to others.
mkdir -m 755 -- "$s" || exit 2
set -- -x -C "$s" --ignore-zeros --numeric-owner -p
[ -z "$z" ] || set -- "$@" -I "$z"
[ -z "$t" ] || set -- "$@" "--transform=$t"
tar "$@" || {
  st=$?
  rm -rf -- "$s"
  exit "$st"
}
# The stage's mirror of the base. With a transform, nothing may lie outside it: a member that
# no place matched would be lost with the stage.
m=$s${t:+/.p}
if [ -n "$t" ]; then
  for e in "$s"/* "$s"/.[!.]* "$s"/..?*; do
    [ "$e" = "$m" ] || { [ ! -e "$e" ] && [ ! -L "$e" ]; } || {
      printf 'vmigrate: %s: a member of the stream outside every mailbox\n' "${e#"$s"/}" >&2
      rm -rf -- "$s"
      exit 3
    }
  done
  # Every member vanished from a live source: nothing to place.
  [ -d "$m" ] || {
    rm -rf -- "$s"
    exit 0
  }
fi
# As root, a directory tar made only as the parent of a member belongs to root, and one that
# the archive holds belongs to its owner: only the latter may be new on the destination.
root=0
[ "$(id -u)" = 0 ] && [ "${owner%%:*}" != 0 ] && root=1
bad=0
problem() {
  printf 'vmigrate: %s\n' "$1" >&2
  bad=3
}
failed() {
  st=$?
  rm -rf -- "$s"
  exit "$st"
}
# Every directory of the stage against the destination, before anything is placed: one find
# and one shell for the stream (a glob per directory cost a millisecond per mailbox). A part
# with something in its way is named, and dropped from the stage (its paths on stdout).
# (A stream of one mailbox is checked directory by directory as it is moved, below.)
[ -z "$t" ] || {
  cd "$m" || failed
  find . -mindepth 1 -type d -exec sh -c '
    b=$1 root=$2
    shift 2
    skip=/ st=0
    for d; do
      case $d in "$skip"/*) continue ;; esac
      t=$b/${d#./}
      if [ -L "$t" ]; then
        why="is a symbolic link on the destination: nothing is written through it"
      elif [ -d "$t" ]; then
        continue
      elif [ -e "$t" ]; then
        why="exists on the destination and is not a directory"
      elif [ "$root" = 1 ] && [ -O "$d" ]; then
        why="vanished on the destination during the copy"
      else
        skip=$d
        continue
      fi
      printf "vmigrate: %s %s\n" "$t" "$why" >&2
      printf "%s\0" "$d"
      skip=$d st=3
    done
    exit "$st"' sh "$b" "$root" {} + >"$s/.dropped" || bad=3
  [ -s "$s/.dropped" ] && { xargs -0 rm -rf -- <"$s/.dropped" || failed; }
  rm -f -- "$s/.dropped"
  cd / || failed
}
# A stream of many mailboxes (many directories of a few files each) is placed by one cp; a
# stream of one mailbox (a slice of a big one: a few directories of many files) by rename, a
# directory at a time, which there costs a few processes and no link and unlink per file. So
# is everything when chroot fails on its own account (125 to 127: no chroot, or not allowed
# in this container).
place() {
  if [ "$root" = 1 ]; then
    chroot --userspec="$owner" / cp -R -l --preserve=timestamps -T -- "$m" "$b"
  else
    cp -R -l --preserve=timestamps -T -- "$m" "$b"
  fi
}
fallback=1
if [ -n "$t" ]; then
  (umask 0 && place) 2>/dev/null && {
    rm -rf -- "$s"
    exit "$bad"
  }
  case $? in 125 | 126 | 127) ;; *) fallback=0 ;; esac
fi
# What cp did not place is renamed into place: a file the destination already has (replaced
# whole or not at all), what the owner may not write (a directory root made there), and
# without chroot everything (a new directory whole, the files of one that exists by one mv).
set -- "" "$b"
while [ "$#" -ge 2 ]; do
  from=$m${1:+/$1} to=$2
  shift 2
  files=0
  for e in "$from"/* "$from"/.[!.]* "$from"/..?*; do
    # Files first, and as little as possible for each: a slice's directory holds thousands,
    # and even cutting the name off its path cost the shell 20 microseconds a file.
    if [ ! -d "$e" ] || [ -L "$e" ]; then
      # (or a pattern that matched nothing: the find below then moves nothing)
      [ "$fallback" = 0 ] || {
        files=1
        continue
      }
      [ -e "$e" ] || [ -L "$e" ] || continue
      d=$to/${e##*/}
      if [ -d "$d" ] && [ ! -L "$d" ]; then
        problem "$d is a directory on the destination"
      elif [ -L "$d" ] || [ ! "$e" -ef "$d" ]; then
        mv -f -T -- "$e" "$d" || failed
      fi
      continue
    fi
    d=$to/${e##*/}
    if [ -d "$d" ] && [ ! -L "$d" ]; then
      set -- "$@" "${e#"$m"/}" "$d"
    elif [ -L "$d" ]; then
      problem "$d is a symbolic link on the destination: nothing is written through it"
    elif [ -e "$d" ]; then
      problem "$d exists on the destination and is not a directory"
    elif [ "$root" = 1 ] && [ -O "$e" ]; then
      problem "$d vanished on the destination during the copy"
    else
      mv -f -T -- "$e" "$d" || failed
    fi
  done
  if [ "$files" = 1 ]; then
    find "$from" -mindepth 1 -maxdepth 1 ! -type d -exec mv -f -t "$to" -- {} + || failed
  fi
done
rm -rf -- "$s"
exit "$bad"
