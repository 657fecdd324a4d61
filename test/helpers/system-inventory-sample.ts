/** The system inventory script's output for test/lab/system-accounts.ts on a lab host (captured by running it there). */
export const SYSTEM_INVENTORY_OUTPUT = `@@vmigrate-system-inventory 1
@@control
locals 1
envnoathost old.lab.example
defaultdelivery 2e2f4d61696c6469722f0a
uidmin 5000
@@assign
=sales:sysfred:5006:5006:/home/sysfred:-:sales:
=shared:sysfred:5006:5006:/home/sysshared:::
@@users
sysann	5001	5001	Ann Example,,,	/home/sysann	/bin/sh	5001	$6$annsalt1$QrhFo63FuV5cAn3IQ9C7ES8FK8Sy0.fqJVJ2g5Q7WWYp4tBxKy4Or5WAiJ/ZEGXxi23A.Ayk0CRBwjkgtSmXI1
sysbob	5002	5002	Bob Mbox	/home/sysbob	/bin/sh	5002	$1$bobsalt$RUoYpL3EirCe84EtxQb/A/
syscarl	5003	5003	Carl Spool	/home/syscarl	/bin/sh	5003	$5$carlsalt$vN7gRhORvdPLR3izIpy/QvZO3y2Bpz/CeMz5durvAg1
sysdora	5004	5004	Dora Forward	/home/sysdora	/bin/sh	5004	$y$j9T$F5Jx5fExrKuJdxB.eCXCb/$pswVOxuzcNOvPlSw42fGMqzEbpK7AFIWnemwdrtXTX6
sysed	5005	5005	Ed Argon	/home/sysed	/bin/sh	5005	$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG
sysfred	5006	5006	Fred Filter	/home/sysfred	/bin/sh	5006	$6$fredsalt$VzjEa0vDWRMyaVUw3tkK8/gISzoHre1U9c7imof9NOOx5aOwBKUwE.NW1G/E0d7A36WuwLPsN8TVfGUsNfxhg0
sysgus	5007	5007	Gus Rootshome	/home/sysgus	/bin/sh	0	$6$gussalt$7KavqVqJ8MauLo3Uch.dXc6Ei1Cf/GD37357plks1qzLhH/I6rp0NOziFI4ObtDG/BGbRGtNv7weGdFh3UHh3/
@@homes
quota-tool 0
@@user sysann
@@file .qmail-lists 2e2f4d61696c6469722f2e4c697374732f0a
@@maildir ./Maildir/
/home/sysann/Maildir/.Lists/new	1	32
/home/sysann/Maildir/cur	1	26
/home/sysann/Maildir/.Sent/cur	1	27
/home/sysann/Maildir/new	1	24
@@maildirsize 3532343238383030532c35303030430a
@@user sysbob
@@file .qmail 2e2f4d61696c626f780a
@@mbox ./Mailbox	/home/sysbob/Mailbox	11141432	1796284015	5002	3	0	3
@@user syscarl
@@file .qmail 2f7661722f73706f6f6c2f6d61696c2f7379736361726c0a26737973616e6e4073797374656d2e6578616d706c650a
@@mbox /var/mail/syscarl	/var/mail/syscarl	80	1796284015	5003	1	0	0
@@mbox /var/spool/mail/syscarl	/var/mail/syscarl	80	1796284015	5003	1	0	0
@@user sysdora
@@file .qmail 26646f726140656c736577686572652e6578616d706c650a2e2f4d61696c6469722f0a
@@maildir ./Maildir/
/home/sysdora/Maildir/cur	1	25
@@user sysed
@@maildir ./Maildir/
/home/sysed/Maildir/cur	1	28
@@user sysfred
@@file .qmail 7c2f7573722f6c6f63616c2f62696e2f6d7966696c746572202d2d7573657220667265640a2e2f4d61696c6469722f0a
@@file .qmail-sales 26737973616e6e0a2e2f4d61696c6469722f2e53616c65732f0a
@@maildir ./Maildir/
/home/sysfred/Maildir/cur	1	28
/home/sysfred/Maildir/.Sales/new	1	25
@@others
@@home /home/sysshared
@@file .qmail 2e2f4d61696c6469722f0a
@@maildir ./Maildir/
/home/sysshared/Maildir/cur	2	64
@@alias
home /var/qmail/alias
@@file .qmail-info 26737973626f624073797374656d2e6578616d706c650a
@@file .qmail-mailer-daemon 737973616e6e0a
@@file .qmail-postmaster 737973616e6e0a
@@end
`;

/** The same script's output for the fixture's prefix.example (control/virtualdomains: sysvirt-px). */
export const PREFIX_INVENTORY_OUTPUT = `@@vmigrate-system-inventory 1
@@control
locals 0
virtualdomain sysvirt-px
envnoathost old.lab.example
defaultdelivery 2e2f4d61696c6469722f0a
uidmin 5000
@@assign
=sales:sysfred:5006:5006:/home/sysfred:-:sales:
=shared:sysfred:5006:5006:/home/sysshared:::
@@users

@@homes
quota-tool 0
@@others
@@home /home/sysfred
@@file .qmail 7c2f7573722f6c6f63616c2f62696e2f6d7966696c746572202d2d7573657220667265640a2e2f4d61696c6469722f0a
@@file .qmail-sales 26737973616e6e0a2e2f4d61696c6469722f2e53616c65732f0a
@@maildir ./Maildir/
/home/sysfred/Maildir/cur	1	28
/home/sysfred/Maildir/.Sales/new	1	25
@@maildir ./Maildir/.Sales/
/home/sysfred/Maildir/.Sales/new	1	25
@@home /home/sysshared
@@file .qmail 2e2f4d61696c6469722f0a
@@maildir ./Maildir/
/home/sysshared/Maildir/cur	2	64
@@prefix sysvirt	/home/sysvirt	-px
@@home /home/sysvirt
@@file .qmail-px-box 2e2f626f782f4d61696c6469722f0a
@@file .qmail-px-default 2e2f4d61696c6469722f0a
@@file .qmail-px-info 26737973616e6e4073797374656d2e6578616d706c650a266a6f650a
@@file .qmail-px-run 7c2f7573722f62696e2f747275650a
@@maildir ./Maildir/
/home/sysvirt/Maildir/new	1	27
@@maildir ./box/Maildir/
/home/sysvirt/box/Maildir/new	1	27
@@alias
home /var/qmail/alias
@@file .qmail-info 26737973626f624073797374656d2e6578616d706c650a
@@file .qmail-mailer-daemon 737973616e6e0a
@@file .qmail-postmaster 737973616e6e0a
@@end
`;
