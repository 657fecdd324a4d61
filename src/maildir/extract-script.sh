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
# A Maildir the destination still has as vadduser made it (empty but for its quota file: a
# first copy) arrives whole and is put in place by one rename over the empty one, whose quota
# file, cur, new and tmp go first (rmdir: only ever an empty directory), for all such Maildirs
# of the stream in a few processes: a first copy then costs no link and no unlink per file.
# One that got anything meanwhile (a delivery) is not empty, the rename fails, and it is
# placed like the others. (A delivery at that moment cannot write into tmp/: a temporary
# failure, which qmail tries again.)
#
# $1 = the base directory (where the stage is made), $2 = uid:gid that own what the archive
# holds, $3 = the decompressor ('' for none), $4 = a GNU tar --transform expression that puts
# each mailbox of a stream of many under .p/ at its place below the base, or under .s/ for a
# user directory whose Maildir arrives whole ('' for none: the archive's top is the base).
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
# The stage's mirrors of the base: .p, and .s for user directories that arrive whole. With a
# transform, nothing may lie outside them: a member that no place matched would be lost with
# the stage.
m=$s${t:+/.p} f=${t:+$s/.s}
if [ -n "$t" ]; then
  for e in "$s"/* "$s"/.[!.]* "$s"/..?*; do
    [ "$e" = "$m" ] || [ "$e" = "$f" ] || { [ ! -e "$e" ] && [ ! -L "$e" ]; } || {
      printf 'vmigrate: %s: a member of the stream outside every mailbox\n' "${e#"$s"/}" >&2
      rm -rf -- "$s"
      exit 3
    }
  done
  # Every member vanished from a live source: nothing to place.
  [ -d "$m" ] || [ -d "$f" ] || {
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
# Every directory of the stage against the destination, before cp places anything (a Maildir
# renamed whole, below, has its way checked there): one find and one shell for the stream (a
# glob per directory cost a millisecond per mailbox). A part with something in its way is
# named, and dropped from the stage (its paths on stdout). (A stream of one mailbox is checked
# directory by directory as it is moved, below.)
check() {
  cd "$1" || failed
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
  cd / || failed
}
# The Maildirs that arrive whole (their user directories' places are in the transform:
# .s/<place>/), each renamed over the empty one the destination has, as the owner, by
# util-linux's rename: one process for them all (where it is missing, they are placed like
# the rest). Root acts only inside the stage, which nobody else can change; what is done on
# the destination's side is done as the owner, who could do as much anyway. Where chroot is
# refused, nothing is renamed and everything is placed below.
whole=0
if [ -n "$f" ] && [ -d "$f" ] && [ "$root" = 1 ]; then
  ren=$(command -v rename.ul 2>/dev/null) ||
    { ren=$(command -v rename 2>/dev/null) && "$ren" --version 2>/dev/null | grep -q util-linux; } ||
    ren=
  places= all=1
  [ -z "$ren" ] || {
    rest="$t;"
    while [ -n "$rest" ]; do
      e=${rest%%;*} rest=${rest#*;}
      case $e in *,.s/*/,S) ;; *) continue ;; esac
      p=${e#*,.s/} p=${p%/,S}
      # Before the check below, which then has only what is left to look at: every directory
      # of the destination on the way is checked here, never a link.
      # (Split at the slashes by the shell itself: a process per mailbox cost more than the rest.)
      ok=1 at=$b ifs=$IFS IFS=/
      for c in $p/Maildir; do
        at=$at/$c
        { [ -d "$at" ] && [ ! -L "$at" ]; } || ok=0
      done
      IFS=$ifs
      if [ "$ok" = 1 ] && [ -d "$f/$p/Maildir" ] && [ ! -L "$f/$p/Maildir" ]; then
        places="$places $p"
      else
        all=0
      fi
    done
  }
  if [ -n "$places" ]; then
    # A rename needs write access to the parent it leaves: the stage's user directories.
    (cd "$f" && chown -h -- "$owner" $places) || failed
    # As the owner, in one shell: the quota file vadduser wrote goes (the copy counts it again
    # once the group is done), and cur, new and tmp only while empty (a directory that got a
    # message meanwhile stays, and so does its Maildir then, which the rename cannot replace:
    # it is placed with the rest); then every Maildir by one rename.
    # shellcheck disable=SC2016 # expanded by the owner's shell
    chroot --userspec="$owner" / sh -c '
      f=$1 b=$2 ren=$3 places=$4
      set --
      for p in $places; do set -- "$@" "$b/$p/Maildir"; done
      find -P "$@" -mindepth 1 -maxdepth 1 \( -name maildirsize ! -type d -delete \) -o \
        \( -type d \( -name cur -o -name new -o -name tmp \) -empty -delete \) 2>/dev/null
      set --
      for p in $places; do set -- "$@" "$f/$p/Maildir"; done
      exec "$ren" -- "$f/" "$b/" "$@" 2>/dev/null' sh "$f" "$b" "$ren" "$places" &&
      whole=$all
  fi
fi
# Every Maildir of .s renamed: what is left there are the user directories it came in, which
# the destination has (checked on the way).
[ "$whole" = 0 ] || f=
# What is left of the stage, against the destination (after the renames, little of a first copy).
if [ -n "$t" ]; then
  [ ! -d "$m" ] || check "$m"
  [ ! -d "$f" ] || check "$f"
fi
# A stream of many mailboxes (many directories of a few files each) is placed by one cp; a
# stream of one mailbox (a slice of a big one: a few directories of many files) by rename, a
# directory at a time, which there costs a few processes and no link and unlink per file. So
# is everything when chroot fails on its own account (125 to 127: no chroot, or not allowed
# in this container).
place() {
  if [ "$root" = 1 ]; then
    chroot --userspec="$owner" / cp -R -l --preserve=timestamps -T -- "$1" "$b"
  else
    cp -R -l --preserve=timestamps -T -- "$1" "$b"
  fi
}
fallback=1
if [ -n "$t" ]; then
  placed=0
  for x in "$m" "$f"; do
    [ -d "$x" ] || continue
    (umask 0 && place "$x") 2>/dev/null || {
      placed=$?
      break
    }
  done
  [ "$placed" = 0 ] && {
    rm -rf -- "$s"
    exit "$bad"
  }
  case $placed in 125 | 126 | 127) ;; *) fallback=0 ;; esac
fi
# What cp did not place is renamed into place: a file the destination already has (replaced
# whole or not at all), what the owner may not write (a directory root made there), and
# without chroot everything (a new directory whole, the files of one that exists by one mv).
by_rename() {
  m=$1
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
}
[ ! -d "$m" ] || by_rename "$m"
[ -z "$f" ] || [ ! -d "$f" ] || by_rename "$f"
rm -rf -- "$s"
exit "$bad"
