# vmigrate inventory: read-only, POSIX sh + GNU find, one round trip whatever the number of
# users. $1 = vpopmail directory, $2 = domain (validated by the caller), $3 = qmail directory,
# $4 = the tables of vpopmail's own to read with mysql: "valias" (--enable-valias), "limits"
# (--enable-mysql-limits), both ("valias,limits") or "none".
# Sections start with "@@"; file contents travel as od hex, so any byte survives.
#
# Where the domain lives comes from qmail's users/assign, as vpopmail itself looks it up:
# vdominfo would say the same but rewrites the domain's .dir-control on every call (spec 5.10),
# and an inventory must not write anything.
vd=$1
d=$2
q=$3
tables=${4:-none}
bin=$vd/bin
echo '@@vmigrate-inventory 1'
echo '@@assign'
awk -F: -v key="+$d-" '
  $1 == key { real = $2; uid = $3; gid = $4; dir = $5 }
  { line[NR] = $0; first[NR] = $1; target[NR] = $2 }
  END {
    if (real == "") exit 1
    print real; print uid; print gid; print dir
    for (i = 1; i <= NR; i++)
      if (target[i] == real && first[i] != "+" real "-" && first[i] ~ /^\+.*\.[^.]*-$/)
        print "alias: " substr(first[i], 2, length(first[i]) - 2)
  }' "$q/users/assign"
echo "@@status $?"
ddir=$(awk -F: -v key="+$d-" '$1 == key { print $5; exit }' "$q/users/assign")
if [ -z "$ddir" ] || [ ! -d "$ddir" ]; then
  [ -z "$ddir" ] || echo '@@nodir'
  echo '@@end'
  exit 0
fi
echo '@@counter'
[ -f "$ddir/.dir-control" ] && head -n 1 "$ddir/.dir-control"
echo '@@vuserinfo'
# Kept (in this shell only) for the user directories below: one vuserinfo, not two. Eight
# lines per user, the directory the seventh; the status line ends it, so that command
# substitution cannot eat an empty last line.
info=$("$bin/vuserinfo" -n -p -C -u -g -c -d -q -D "$d"; echo "@@status $?")
printf '%s\n' "$info"
# vpasswd itself, counted: vuserinfo -D stops, silently and with exit 0, at a line longer than
# its buffer (spec 4.4), and a domain must never look smaller than it is. Lines over 255 bytes
# are named (vpopmail's cdb splits those too). No file: not the cdb backend.
echo '@@vpasswd'
[ -f "$ddir/vpasswd" ] && LC_ALL=C awk -F: 'NF > 1 { n++ } length($0) > 255 { print "long\t" $1 "\t" length($0) }
  END { print "users\t" n + 0 }' "$ddir/vpasswd"
# vpopmail's own tables, for what no vpopmail command lists as stored: through the host's
# mysql client with vpopmail's own login from etc/vpopmail.mysql (its first line, `|` runs
# counting as one separator as vpopmail's strtok reads them, a second field starting with / a
# socket). The login reaches mysql as an option file on its stdin: never an argument (ps
# shows those), never a file. Prints the rows, then "@@status N".
vsql() {
  query=$1
  awk '/^#/ || /^$/ { next } { n = split($0, f, "|"); for (i = 1; i <= n; i++) if (f[i] != "") print f[i]; exit }' \
    "$vd/etc/vpopmail.mysql" | {
    IFS= read -r host; IFS= read -r port; IFS= read -r user; IFS= read -r pw; IFS= read -r db
    set -- -h "$host"
    case $port in /*) set -- "$@" -S "$port" ;; 0 | '') ;; *) set -- "$@" -P "$port" ;; esac
    esc() { printf '%s' "$1" | sed 's/[\\"]/\\&/g'; }
    printf '[client]\nuser="%s"\npassword="%s"\n' "$(esc "$user")" "$(esc "$pw")" |
      mysql --defaults-file=/dev/stdin "$@" -N -B -e "$query" "$db" 2>&1
    echo "@@status $?"
  }
}
if [ "$tables" != none ]; then
  if command -v mysql >/dev/null 2>&1; then
    # Rows are keyed by the real domain, as hex: no quoting reaches the query.
    real=$(awk -F: -v key="+$d-" '$1 == key { print $2; exit }' "$q/users/assign")
    dhex=$(printf %s "$real" | od -An -v -tx1 | tr -d ' \n')
  else
    echo '@@nomysql'
    tables=none
  fi
fi
echo '@@valias'
# The rows vdelivermail reads, in the order it reads them (valias -s splits long lines).
case $tables in *valias*)
  vsql "SELECT HEX(CONVERT(alias USING latin1)), HEX(CONVERT(valias_line USING latin1)) FROM valias WHERE domain = _latin1 X'$dhex'" ;;
esac
echo '@@limits'
# Own limits: a .qmailadmin-limits file, or with --enable-mysql-limits a row of the limits
# table (vmoddomlimits -S shows the server's defaults for a domain with neither).
own=no
case $tables in
  *limits*)
    rows=$(vsql "SELECT COUNT(*) FROM limits WHERE domain = _latin1 X'$dhex'")
    case $rows in
      "1
@@status 0") own=yes ;;
      "0
@@status 0" | *"ERROR 1146"*) ;;
      *) own=error ;;
    esac ;;
  *) [ -f "$ddir/.qmailadmin-limits" ] && own=yes ;;
esac
if [ "$own" = yes ]; then
  echo own
  "$bin/vmoddomlimits" -S "$d"
  echo "@@status $?"
elif [ "$own" = error ]; then
  echo error
  printf '%s\n' "$rows"
else
  echo default
fi
# The user directories, kept in a variable (nothing is written, not even a temporary file).
# bases: the domain directory, then user directories outside it (vmoduser -D).
udirs=$(printf '%s\n' "$info" | awk '/^@@status / { exit } NR % 8 == 7')
bases() {
  printf '%s\n' "$ddir"
  printf '%s\n' "$udirs" | while IFS= read -r u; do
    case $u in '') ;; "$ddir"/*) ;; *) [ -d "$u" ] && printf '%s\n' "$u" ;; esac
  done
}
fmt='%y\t%m\t%U\t%G\t%s\t%T@\t%p\t%l\n'
echo '@@tree'
bases | while IFS= read -r base; do
  find "$base" -mindepth 1 \( -name Maildir -type d -prune -printf "$fmt" \) -o -printf "$fmt"
done
echo '@@folders'
# Every Maildir and its folders (its .-directories) in one find per base, not one per user:
# a process per mailbox made a 5,000-user domain take seconds here. (A user may be called
# new, cur or tmp: only a Maildir's own are pruned.)
bases | while IFS= read -r base; do
  find "$base" -type d \( -name Maildir -print -o -path '*/Maildir/.?*' -print -prune \
    -o \( -path '*/Maildir/cur' -o -path '*/Maildir/new' -o -path '*/Maildir/tmp' \) -prune \)
done
echo '@@messages'
bases | while IFS= read -r base; do
  find "$base" -type f -path '*/Maildir/*' \( -path '*/cur/*' -o -path '*/new/*' \) -printf '%h\t%s\n'
done | awk -F '\t' '{ c[$1]++; b[$1] += $2 } END { for (k in c) printf "%s\t%d\t%.0f\n", k, c[k], b[k] }'
echo '@@contents'
for f in "$ddir"/.qmail* "$ddir"/.no-user.msg "$ddir"/.over-quota.msg "$ddir"/.quotawarn.msg; do
  [ -f "$f" ] && [ ! -L "$f" ] || continue
  printf '@@file %s\n' "$f"
  od -An -v -tx1 <"$f"
done
printf '%s\n' "$udirs" | while IFS= read -r u; do
  [ -f "$u/.qmail" ] || continue
  printf '@@file %s\n' "$u/.qmail"
  od -An -v -tx1 <"$u/.qmail"
done
# Other small control files that name a path under the vpopmail home (list and autoresponder
# files): they are rewritten on the destination. Mailboxes and list archives hold mail, not
# control data, and are never read here.
bases | while IFS= read -r base; do
  find "$base" -mindepth 1 \( -name Maildir -o -name archive \) -prune -o \
    -type f ! -name '.qmail*' -size -64k -exec grep -lF -e "$vd" {} +
done | while IFS= read -r f; do
  printf '@@file %s\n' "$f"
  od -An -v -tx1 <"$f"
done
echo '@@marker'
[ -f "$ddir/.vmigrate-origin" ] && cat "$ddir/.vmigrate-origin"
echo '@@end'
