# vmigrate system inventory: the Unix accounts that receive a domain's mail on a qmail server,
# read only, POSIX sh + getent + GNU find/stat, one round trip. $1 = domain (validated by the
# caller), $2 = qmail directory, $3 = lowest uid of a mail user ('' = login.defs UID_MIN, else
# 1000), $4 = "all", or "list" with the user names on stdin, one per line; $5 = how qmail
# delivered the domain when a cutover has since taken it out of control/locals or
# virtualdomains (`local`, or `prefix:<prefix>`), '' to read those files.
# Sections start with "@@"; file contents travel as od hex, so any byte survives.
d=$1
q=$2
uidmin=$3
mode=$4
form=${5-}
hex() { od -An -v -tx1 | tr -d ' \n'; echo; }
echo '@@vmigrate-system-inventory 1'
echo '@@control'
lower() { tr '[:upper:]' '[:lower:]'; }
dl=$(printf '%s' "$d" | lower)
vprefix=
# qmail lower-cases the host part: a line for the domain in any case is the domain's.
local=0
case $form in
  local) local=1 ;;
  prefix:?*) vprefix=${form#prefix:} ;;
  *)
    if [ -f "$q/control/locals" ] && lower <"$q/control/locals" | grep -qxF -- "$dl"; then
      local=1
    fi
    ;;
esac
echo "locals $local"
if [ -n "$form" ]; then
  [ -n "$vprefix" ] && echo "virtualdomain $vprefix"
elif [ -f "$q/control/virtualdomains" ]; then
  vprefix=$(awk -v d="$dl" '{ i = index($0, ":"); if (i > 0 && tolower(substr($0, 1, i - 1)) == d) { print substr($0, i + 1); exit } }' \
    "$q/control/virtualdomains")
  [ -n "$vprefix" ] && echo "virtualdomain $vprefix"
fi
# Where qmail sends a bare name a .qmail forwards to: envnoathost, else me.
for f in envnoathost me; do
  [ -s "$q/control/$f" ] && { echo "envnoathost $(head -n 1 "$q/control/$f")"; break; }
done
if [ -f "$q/control/defaultdelivery" ]; then
  printf 'defaultdelivery '
  hex <"$q/control/defaultdelivery"
fi
if [ -f "$q/rc" ]; then
  printf 'rc '
  hex <"$q/rc"
fi
[ -n "$uidmin" ] || uidmin=$(awk '$1 == "UID_MIN" { print $2; exit }' /etc/login.defs 2>/dev/null)
echo "uidmin ${uidmin:-1000}"
echo '@@assign'
[ -f "$q/users/assign" ] && grep '^=' "$q/users/assign"
echo '@@users'
# name, uid, gid, gecos, home, shell, the home's owner (- when there is no home), the shadow
# hash (- when shadow has no entry); `missing<TAB>name` for a listed name passwd lacks. A user
# list names its users; without one, every account from uidmin up. Kept in a variable: nothing
# is written on the source, not even a temporary file. A domain handed to a prefix has no
# accounts for addresses: none are read.
users=$(
  if [ "$local" = 0 ] && [ -n "$vprefix" ]; then
    :
  elif [ "$mode" = list ]; then
    while IFS= read -r u; do
      [ -n "$u" ] || continue
      getent passwd "$u" || printf 'missing:%s\n' "$u"
    done
  else
    getent passwd
  fi | awk -F: -v min="${uidmin:-1000}" -v mode="$mode" '
    $1 == "missing" && NF == 2 { print; next }
    mode == "list" || ($3 >= min && $3 != 0 && $1 != "nobody" && $1 != "alias") { print }' |
    while IFS= read -r line; do
      case $line in missing:*) printf 'missing\t%s\n' "${line#missing:}"; continue ;; esac
      name=${line%%:*}
      owner=$(stat -c %u -- "$(printf '%s' "$line" | cut -d: -f6)" 2>/dev/null || echo -)
      shadow=$(getent shadow "$name" 2>/dev/null | cut -d: -f2)
      printf '%s\n' "$line" | awk -F: -v o="$owner" -v s="${shadow:--}" \
        '{ printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", $1, $3, $4, $5, $6, $7, o, s }'
    done
)
printf '%s\n' "$users"
echo '@@homes'
hasquota=
command -v quota >/dev/null 2>&1 && hasquota=1
echo "quota-tool ${hasquota:-0}"
# The .qmail files of a home, as @@file lines.
files() {
  for f in "$1"/.qmail "$1"/.qmail-*; do
    [ -f "$f" ] || continue
    printf '@@file %s ' "${f##*/}"
    hex <"$f"
  done
}
# The mail stores named on stdin (as a .qmail names them: ./ relative to the home $1), each once,
# with what it holds: a Maildir's folders counted, an mbox's From lines and lengths.
stores() {
  sort -u | while IFS= read -r p; do
    case $p in /*) path=$p ;; *) path=$1/${p#./} ;; esac
    case $p in
      */)
        [ -d "$path" ] || continue
        printf '@@maildir %s\n' "$p"
        find "${path%/}" -type f \( -path '*/cur/*' -o -path '*/new/*' \) -printf '%h\t%s\n' |
          awk -F '\t' '{ c[$1]++; b[$1] += $2 } END { for (k in c) printf "%s\t%d\t%.0f\n", k, c[k], b[k] }'
        ;;
      *)
        [ -f "$path" ] || continue
        # With the file it is (/var/mail is often a link to /var/spool/mail): one mbox, two names.
        # Then its From lines, Content-Length headers and quoted From lines, counted: how many
        # messages, and whether it is mboxcl2 (lengths frame the messages) or mboxrd (quoting).
        printf '@@mbox %s\t%s\t' "$p" "$(readlink -f -- "$path")"
        stat -c '%s	%Y	%u' -- "$path" | tr '\n' '\t'
        LC_ALL=C awk '/^From / { f++ } /^[Cc]ontent-[Ll]ength:/ { c++ } /^>+From / { q++ } END { printf "%d\t%d\t%d\n", f, c, q }' "$path"
        ;;
    esac
  done
}
# qmail-getpw delivers only to a user who owns the home: the others' homes are not read.
printf '%s\n' "$users" | awk -F '\t' 'NF == 8 && $7 == $2 { print $1 "\t" $5 }' | while IFS="	" read -r name home; do
  printf '@@user %s\n' "$name"
  files "$home"
  # Every place mail may lie: the usual ones, and each file delivery of the user's .qmail.
  {
    printf '%s\n' "./Maildir/" "./Mailbox" "/var/spool/mail/$name" "/var/mail/$name"
    [ -f "$home/.qmail" ] && grep -E '^[./]' "$home/.qmail"
  } | stores "$home"
  # A quota, where one is set: the Maildir++ definition (the first line of maildirsize), and the
  # disk quota of the file systems holding the home and the spool (quota's limits, in KiB).
  if [ -f "$home/Maildir/maildirsize" ]; then
    printf '@@maildirsize '
    head -n 1 -- "$home/Maildir/maildirsize" | hex
  fi
  if [ -n "$hasquota" ]; then
    for p in "$home" "/var/spool/mail/$name" "/var/mail/$name"; do
      [ -e "$p" ] || continue
      dev=$(df -P -- "$p" 2>/dev/null | awk 'NR == 2 { print $1 }')
      [ -n "$dev" ] || continue
      quota -w -v -p -u -- "$name" 2>/dev/null |
        awk -v p="$p" -v d="$dev" '$1 == d { gsub(/\*/, "", $2); printf "@@diskquota %s\t%s\t%s\t%s\t%s\n", p, d, $2, $3, $4; exit }'
    done
  fi
done
# Homes qmail delivers the domain's mail into that are no account's of the list: those users/assign
# `=` lines name, and the one control/virtualdomains hands the domain to (qmail-getpw's rule: the
# longest `-` prefix of the prefix that is an account owning its home, else the alias user).
echo '@@others'
{
  [ -f "$q/users/assign" ] && grep '^=' "$q/users/assign" | cut -d: -f5
  if [ -n "$vprefix" ]; then
    rest=$vprefix
    while :; do
      pw=$(getent passwd "$rest" 2>/dev/null)
      uid=$(printf '%s' "$pw" | cut -d: -f3)
      home=$(printf '%s' "$pw" | cut -d: -f6)
      if [ -n "$pw" ] && [ "$uid" != 0 ] && [ "$(stat -c %u -- "$home" 2>/dev/null)" = "$uid" ]; then
        printf '@@prefix %s\t%s\t%s\n' "$rest" "$home" "${vprefix#"$rest"}"
        echo "$home"
        break
      fi
      case $rest in *-*) rest=${rest%-*} ;; *) rest= ; break ;; esac
    done
    if [ -z "$rest" ]; then
      home=$(getent passwd alias | cut -d: -f6)
      printf '@@prefix alias\t%s\t-%s\n' "${home:-$q/alias}" "$vprefix"
      echo "${home:-$q/alias}"
    fi
  fi
} | while IFS= read -r h; do
  case $h in @@prefix*) printf '%s\n' "$h"; continue ;; esac
  [ -n "$h" ] && [ -d "$h" ] || continue
  case $seen in *"
$h
"*) continue ;; esac
  seen="$seen
$h
"
  printf '%s\n' "$users" | awk -F '\t' -v h="$h" 'NF == 8 && $5 == h && $7 == $2 { f = 1 } END { exit !f }' && continue
  printf '@@home %s\n' "$h"
  files "$h"
  {
    echo ./Maildir/
    cat "$h"/.qmail "$h"/.qmail-* 2>/dev/null | grep -E '^[./]'
  } | stores "$h"
done
echo '@@alias'
ahome=$(getent passwd alias | cut -d: -f6)
[ -n "$ahome" ] || ahome=$q/alias
echo "home $ahome"
for f in "$ahome"/.qmail-*; do
  [ -f "$f" ] || continue
  printf '@@file %s ' "${f##*/}"
  hex <"$f"
done
echo '@@end'
