# vmigrate: password hashes made by the destination's own crypt(), so that it verifies them.
# Lines "<setting> <password>" on stdin (never in argv: ps would show them; the setting is the
# scheme and salt, `$6$<salt>$`); for each, the hash on a line, or "no" when crypt() refused
# the setting. Exit 3 when neither perl nor python3 with its crypt module is there.
if command -v perl >/dev/null 2>&1; then
  exec perl -ne 'chomp; my ($s, $p) = split / /, $_, 2; my $r = crypt($p, $s);
    print defined $r && $r !~ /^\*/ && index($r, $s) == 0 ? "$r\n" : "no\n"'
fi
if command -v python3 >/dev/null 2>&1 && python3 -W ignore -c 'import crypt' 2>/dev/null; then
  exec python3 -W ignore -c '
import crypt, sys
for line in sys.stdin:
    s, p = line.rstrip("\n").split(" ", 1)
    r = crypt.crypt(p, s)
    print(r if r and not r.startswith("*") and r.startswith(s) else "no")'
fi
echo "vmigrate: neither perl nor python3 (with its crypt module) to make password hashes with" >&2
exit 3
