# vmigrate capability probe: read-only, POSIX sh, one round trip. Prints key=value lines
# between two markers; anything printed before the first marker came from the login shell.
echo VMIGRATE-PROBE-BEGIN
kv() { printf '%s=%s\n' "$1" "$2"; }
kv os "$(uname -s 2>/dev/null)"
kv os_release "$(uname -r 2>/dev/null)"
kv hostname "$(uname -n 2>/dev/null)"
kv login_uid "$(id -u 2>/dev/null)"
kv tar "$(tar --version 2>/dev/null | head -n 1)"
kv find "$(find --version 2>/dev/null | head -n 1)"
vdir="$1"
[ -n "$vdir" ] || vdir="$(getent passwd vpopmail 2>/dev/null | cut -d: -f6)"
[ -n "$vdir" ] || vdir="$(awk -F: '$1 == "vpopmail" { print $6 }' /etc/passwd 2>/dev/null)"
kv vpopmail_dir "$vdir"
kv vpopmail_uid "$(id -u vpopmail 2>/dev/null)"
kv vpopmail_gid "$(id -g vpopmail 2>/dev/null)"
if [ -n "$vdir" ] && [ -x "$vdir/bin/vadduser" ]; then
  kv vpopmail_bin "$vdir/bin"
  kv vpopmail_version "$("$vdir/bin/vuserinfo" -v 2>/dev/null | sed -n 's/^version: //p' | head -n 1)"
  # Where users live. A build on another module than cdb answers vmkpasswd so, whatever its
  # arguments (spec 11); without arguments a cdb build prints its usage and changes nothing.
  case "$("$vdir/bin/vmkpasswd" </dev/null 2>&1 | head -n 1)" in
    *'only needed by the cdb'*)
      if [ -f "$vdir/etc/vpopmail.mysql" ]; then kv vpopmail_backend mysql; else kv vpopmail_backend other; fi ;;
    *) kv vpopmail_backend cdb ;;
  esac
  # The build's options, from the config.h that `make install` copies there (chkuser and
  # qmailadmin read it too). No file: unknown.
  h="$vdir/include/vpopmail_config.h"
  if [ -f "$h" ]; then
    if grep -q '^#define VALIAS ' "$h"; then kv vpopmail_valias yes; else kv vpopmail_valias no; fi
    if grep -q '^#define ENABLE_MYSQL_LIMITS ' "$h"; then kv vpopmail_mysql_limits yes; else kv vpopmail_mysql_limits no; fi
  fi
fi
qdir="${2:-/var/qmail}"
kv qmail_dir "$qdir"
[ -d "$qdir/control" ] && kv qmail_control yes
for p in gzip zstd sha256sum rsync autorespond qmail-autoresponder ezmlm-make ezmlm-send; do
  w="$(command -v "$p" 2>/dev/null)" || w=""
  if [ -z "$w" ]; then
    for d in /usr/local/bin /usr/local/bin/ezmlm /usr/bin/ezmlm /usr/local/ezmlm "$qdir/bin"; do
      if [ -x "$d/$p" ]; then w="$d/$p"; break; fi
    done
  fi
  kv "prog.$p" "$w"
done
# Where the domains are: a domains directory on a disk of its own is common.
if [ -n "$vdir" ] && [ -d "$vdir" ]; then
  at=$vdir
  [ -d "$vdir/domains" ] && at=$vdir/domains
  df -Pk "$at" 2>/dev/null | awk 'NR == 2 { print "disk_free_kb=" $4 }'
  df -Pi "$at" 2>/dev/null | awk 'NR == 2 { print "inodes_free=" $4 }'
fi
echo VMIGRATE-PROBE-END
