# vmigrate: the server-level settings a host's domains depend on, read only, one round trip.
# $1 = vpopmail directory, $2 = qmail directory. For each candidate file: "@@file <key> <path>
# <hex>" (od hex of its content: any byte survives) or "@@absent <key> <path>".
vd=$1
q=$2
hex() { od -An -v -tx1 | tr -d ' \n'; echo; }
one() {
  if [ -f "$2" ]; then
    printf '@@file %s %s ' "$1" "$2"
    hex <"$2"
  else
    printf '@@absent %s %s\n' "$1" "$2"
  fi
}
echo '@@vmigrate-server-settings 1'
one vlimits.default "$vd/etc/vlimits.default"
one vpopmail-defaultdomain "$vd/etc/defaultdomain"
for c in me defaultdomain defaulthost plusdomain idhost helohost bouncehost doublebouncehost \
  localiphost envnoathost databytes smtproutes; do
  one "control/$c" "$q/control/$c"
done
# tcpserver's rules for qmail-smtpd (relay entries set RELAYCLIENT): wherever the host keeps them.
for f in "$vd/etc/tcp.smtp" /etc/tcp.smtp /etc/tcprules.d/tcp.smtp /etc/tcp/smtp; do
  [ -f "$f" ] && one tcp.smtp "$f"
done
echo '@@end'
