# vmigrate: which password hashes the destination's crypt() verifies, read only. One hash per
# line on stdin (never in argv: ps would show them); for each, a line "ok", "no" or
# "unchecked" (neither perl nor python3 with its crypt module is there to ask crypt()).
# crypt() recognises a hash when it hashes anything under the same setting (scheme, cost and
# salt: everything up to the last `$`, or DES's first two of its thirteen characters) and not as `*0`/`*1`.
if command -v perl >/dev/null 2>&1; then
  exec perl -ne 'chomp; my $r = crypt("vmigrate-probe", $_);
    my ($s) = /^(.*)\$/; my ($t) = defined $r ? ($r =~ /^(.*)\$/) : ();
    my $ok = defined $r && $r !~ /^\*/ && length($r) > 2 &&
      (defined $s ? (defined $t && $t eq $s) : (m{^[./0-9A-Za-z]{13}$} && substr($r, 0, 2) eq substr($_, 0, 2)));
    print $ok ? "ok\n" : "no\n"'
fi
if command -v python3 >/dev/null 2>&1 && python3 -W ignore -c 'import crypt' 2>/dev/null; then
  exec python3 -W ignore -c '
import crypt, re, sys
for line in sys.stdin:
    h = line.rstrip("\n")
    r = crypt.crypt("vmigrate-probe", h)
    s = h.rsplit("$", 1)[0] if "$" in h else None
    ok = bool(r) and not r.startswith("*") and len(r) > 2 and (r.rsplit("$", 1)[0] == s if s is not None else (re.fullmatch(r"[./0-9A-Za-z]{13}", h) is not None and r[:2] == h[:2]))
    print("ok" if ok else "no")'
fi
while IFS= read -r _; do echo unchecked; done
