#!/usr/bin/env bash
# rt5-server.sh - a throwaway Request Tracker 5 on 127.0.0.1 for Baton's e2e tests and CI.
#
# Debian 12 packages (request-tracker5, rt5-db-sqlite, rt5-standalone), an SQLite database and
# RT's own standalone web server (rt-server), run as www-data. Must be run as root.
#
# Usage: scripts/rt5-server.sh [start|stop|reset|status|wipe|scrip]
#   start   (default) install if needed, create + seed the DB, start the server, wait for REST2.
#           Idempotent: a second start is a no-op if the server is up.
#   stop    stop the server this script started.
#   reset   stop, restore the database snapshot taken right after seeding (seeding first when this
#           seed version has none yet), start again.
#   status  print whether the server is running (exit 0) or not (exit 3).
#   wipe    stop and delete the database and its snapshot (next start re-creates them).
#   scrip   install Baton's webhook Scrip (connectors/rest/rt_scrip/) into the running RT, as an admin
#           would; `reset` removes it again. The seed leaves it out: RT posts nothing unless a test asks.
#
# Environment:
#   RT_PORT            port on 127.0.0.1 (default 8080)
#   RT_ROOT_PASSWORD   password of RT's root user, set when the DB is created (default "password")
#   RT_BATON_PASSWORD  password of the "baton" service user, set when the DB is seeded
#                      (default "batonpass"); changing it later needs `wipe` then `start`
#   RT_WORKERS         rt-server worker processes (default 2; RT's own default of 10 costs ~700 MB)
#   RT_STATE_DIR       logs, pid file, DB snapshot (default /var/tmp/baton-rt5)
#   RT_BATON_HOOK_URL  where Baton's webhook Scrip posts (default http://127.0.0.1:8099/hooks/rest/rt)
#   RT_BATON_WEBHOOK_SECRET  what it signs with (default "e2e-rt-webhook-secret-0123456789")
#
# What `start` leaves behind: REST2 at http://127.0.0.1:$RT_PORT/REST/2.0/
#   root / $RT_ROOT_PASSWORD                 superuser
#   queues "Service Desk", "Network", "Restricted"
#   group "Helpdesk Agents" with ticket rights (DeleteTicket too) on all three queues;
#   alice/alicepass, bob/bobpass, carol/carolpass  privileged, members of the group ("<Name> Agent")
#   dana/danapass, erin/erinpass             privileged, members of the group ("<Name> Lead")
#   baton / $RT_BATON_PASSWORD               privileged service user, rights granted to it directly
#                                            on "Service Desk" and "Network" only: Restricted is a
#                                            queue Baton cannot see
#   dave / davepass                          unprivileged, no rights (an owner RT must refuse)
# Outgoing mail is never sent: RT appends it to /var/lib/request-tracker5/*.mbox.
set -euo pipefail

RT_PORT=${RT_PORT:-8080}
RT_ROOT_PASSWORD=${RT_ROOT_PASSWORD:-password}
RT_BATON_PASSWORD=${RT_BATON_PASSWORD:-batonpass}
RT_WORKERS=${RT_WORKERS:-2}
RT_BATON_HOOK_URL=${RT_BATON_HOOK_URL:-http://127.0.0.1:8099/hooks/rest/rt}
RT_BATON_WEBHOOK_SECRET=${RT_BATON_WEBHOOK_SECRET:-e2e-rt-webhook-secret-0123456789}
STATE=${RT_STATE_DIR:-/var/tmp/baton-rt5}

RT_VAR=/var/lib/request-tracker5                 # owned by www-data: SQLite needs the dir writable
DB=$RT_VAR/baton-rt5.sqlite
SEED_VERSION=4   # bump when the seed below changes: `start` then seeds a fresh database
SNAPSHOT=$STATE/baton-rt5.seed-$SEED_VERSION.sqlite.seeded
PIDFILE=$STATE/rt-server.pid
SERVER_LOG=$STATE/rt-server.log
SITE_DIR=/etc/request-tracker5/RT_SiteConfig.d
SITE_FILE=$SITE_DIR/99-baton-rt5.pm                # loads after Debian's own snippets
RT_SERVER=/usr/share/request-tracker5/libexec/rt-server
SETUP_DB=/usr/sbin/rt-setup-database-5
URL=http://127.0.0.1:$RT_PORT
SCRIP_DATA=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/connectors/rest/rt_scrip/baton-webhook-initialdata.pl
PACKAGES=(request-tracker5 rt5-db-sqlite rt5-standalone)

T0=$EPOCHREALTIME
say() {
    local now=$EPOCHREALTIME
    printf '[rt5 %6.1fs] %s\n' "$(awk -v a="$now" -v b="$T0" 'BEGIN{print a-b}')" "$*"
}
# fail MESSAGE [LOGFILE]: print the message and the tail of the log, exit 1
fail() {
    say "FAILED: $1" >&2
    if [ -n "${2:-}" ] && [ -s "$2" ]; then
        echo "---- last 40 lines of $2 ----" >&2
        tail -n 40 "$2" >&2
    fi
    exit 1
}
www() { setpriv --reuid=www-data --regid=www-data --init-groups env HOME=/var/www "$@"; }

[ "$(id -u)" = 0 ] || { echo "rt5-server.sh: must run as root" >&2; exit 1; }
[[ "$RT_PORT" =~ ^[0-9]+$ && "$RT_WORKERS" =~ ^[1-9][0-9]*$ ]] \
    || { echo "rt5-server.sh: RT_PORT and RT_WORKERS must be numbers" >&2; exit 2; }
mkdir -p "$STATE"
# one invocation at a time (parallel test workers may call reset); fd 9 is closed for the server
exec 9>"$STATE/lock"
flock -w 120 9 || fail "another rt5-server.sh holds $STATE/lock"

# -------------------------------------------------------------------------- server process
# alive PID: running and not a zombie (the sandbox's pid 1 reaps orphans only every second or so)
alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) && [[ "$st" != Z* ]]; }

running_pid() {  # prints the pid of the rt-server we started, if it is alive
    local pid
    [ -s "$PIDFILE" ] || return 1
    pid=$(<"$PIDFILE")
    alive "$pid" && [[ "$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" == *rt-server* ]] || return 1
    echo "$pid"
}

rest_ok() { curl -s -f -o /dev/null --max-time 5 -u "root:$RT_ROOT_PASSWORD" "$URL/REST/2.0/rt"; }

stop_server() {
    local pid
    if pid=$(running_pid); then
        kill -TERM "$pid"                 # the master takes its workers down with it
        for _ in $(seq 100); do alive "$pid" || break; sleep 0.05; done
        alive "$pid" && fail "rt-server pid $pid still alive 5 s after TERM" "$SERVER_LOG"
        say "stopped rt-server (pid $pid)"
    else
        say "rt-server not running"
    fi
    rm -f "$PIDFILE"
}

start_server() {
    local pid
    if pid=$(running_pid); then
        rest_ok || fail "rt-server pid $pid is running but REST2 does not answer at $URL (other RT_PORT? run '$0 stop' first)" "$SERVER_LOG"
        say "rt-server already running (pid $pid): $URL/REST/2.0/"
        return 0
    fi
    if [ -n "$(ss -Hltn "sport = :$RT_PORT")" ]; then
        ss -Hltnp "sport = :$RT_PORT" >&2
        fail "port $RT_PORT is taken by another process; set RT_PORT"
    fi
    # setpriv execs rt-server, so $! is the server master's own pid
    nohup setpriv --reuid=www-data --regid=www-data --init-groups env HOME=/var/www \
        "$RT_SERVER" --host 127.0.0.1 --port "$RT_PORT" --max-workers "$RT_WORKERS" \
        >"$SERVER_LOG" 2>&1 </dev/null 9>&- &
    echo $! >"$PIDFILE"
    for _ in $(seq 600); do                # up to 60 s
        if rest_ok; then
            say "rt-server up (pid $(<"$PIDFILE")): $URL/REST/2.0/"
            return 0
        fi
        running_pid >/dev/null || fail "rt-server exited during start-up" "$SERVER_LOG"
        sleep 0.1
    done
    fail "REST2 did not answer within 60 s" "$SERVER_LOG"
}

# -------------------------------------------------------------------------- one-off set-up
install_packages() {
    local want=1 p
    for p in "${PACKAGES[@]}"; do
        [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || want=0
    done
    [ "$want" = 1 ] && return 0
    say "apt: installing ${PACKAGES[*]}"
    # (no `| grep -q` under pipefail: grep's early exit makes apt-cache die of SIGPIPE)
    local policy
    policy=$(apt-cache policy request-tracker5 2>/dev/null || true)
    if [[ "$policy" != *"Candidate: "[0-9]* ]]; then
        say "apt: no candidate for request-tracker5, running apt-get update"
        apt-get update -q >"$STATE/apt.log" 2>&1 || fail "apt-get update" "$STATE/apt.log"
    fi
    # Let dbconfig-common keep its hands off: the DB is created below, as www-data.
    debconf-set-selections <<EOF
request-tracker5 request-tracker5/rtname string baton-rt5.test
request-tracker5 request-tracker5/organization string baton-rt5.test
request-tracker5 request-tracker5/correspondaddress string rt@localhost
request-tracker5 request-tracker5/commentaddress string rt-comment@localhost
request-tracker5 request-tracker5/webbaseurl string $URL
request-tracker5 request-tracker5/webpath string /rt
request-tracker5 request-tracker5/handle-siteconfig-permissions boolean true
request-tracker5 request-tracker5/install-cronjobs boolean false
request-tracker5 request-tracker5/dbconfig-install boolean false
rt5-db-sqlite rt5-db-sqlite/available boolean true
EOF
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${PACKAGES[@]}" curl sqlite3 >>"$STATE/apt.log" 2>&1 \
        || fail "apt-get install" "$STATE/apt.log"
    say "apt: installed request-tracker5 $(dpkg-query -W -f='${Version}' request-tracker5)"
}

write_site_config() {
    local tmp
    tmp=$(mktemp)
    cat >"$tmp" <<EOF
# Written by Baton's scripts/rt5-server.sh: a loopback RT for tests. Do not edit.
Set(\$DatabaseType, "SQLite");
Set(\$DatabaseName, "$DB");
Set(\$WebPath, "");                 # serve at / (Debian's default is /rt)
Set(\$WebDomain, "127.0.0.1");
Set(\$WebPort, $RT_PORT);
Set(\$WebBaseURL, "$URL");
Set(\$MailCommand, "mbox");         # never send mail; append it to \$VarPath/*.mbox
Set(\$Timezone, "UTC");             # Debian's 40-timezone.pm copies /etc/timezone; TransactionSQL
                                    # dates ("Created > '...'") are read in this zone
Set(\$LogToSTDERR, "warning");
Set(\$LogToSyslog, undef);
Set(\$BcryptCost, 4);               # passwords of this throwaway RT: basic auth checks them on every request
                                    # (cost 12, RT's default: 0.35 s each; 4: about 1 ms). Never on a real RT.
# Baton's webhook Scrip (installed by '$0 scrip' only): where it posts and the secret it signs with
Set(\$BatonWebhookURL, "$RT_BATON_HOOK_URL");
Set(\$BatonWebhookSecret, "$RT_BATON_WEBHOOK_SECRET");
Set(\$BatonWebhookTimeout, 2);
1;
EOF
    CONFIG_CHANGED=0
    if ! cmp -s "$tmp" "$SITE_FILE" 2>/dev/null; then
        install -o root -g www-data -m 640 "$tmp" "$SITE_FILE"
        say "config: wrote $SITE_FILE"
        CONFIG_CHANGED=1
    fi
    rm -f "$tmp"
    # Debian's RT_SiteConfig.pm is root-only; the server runs as www-data and must read it
    chgrp www-data /etc/request-tracker5/RT_SiteConfig.pm
    chmod 640 /etc/request-tracker5/RT_SiteConfig.pm
}

db_ready() { [ "$(sqlite3 "$DB" "select 1 from Users where Name='root'" 2>/dev/null)" = 1 ]; }

init_db() {
    local pw
    say "db: creating $DB"
    rm -f "$DB" "$DB-journal" "$SNAPSHOT"
    pw=$(mktemp)
    printf '%s\n' "$RT_ROOT_PASSWORD" >"$pw"
    chown www-data "$pw"
    if ! www "$SETUP_DB" --action init --skip-create --root-password-file "$pw" \
            >"$STATE/db-init.log" 2>&1; then
        rm -f "$pw"
        fail "rt-setup-database-5 --action init" "$STATE/db-init.log"
    fi
    rm -f "$pw"
    say "db: created"
}

seed_db() {
    local data=$STATE/seed.initialdata
    say "seed: queues, group, users, rights"
    # Perl initialdata for rt-setup-database-5 --action insert (runs as RT's system user).
    cat >"$data" <<'PERL'
my $group = 'Helpdesk Agents';
my @queues = ('Service Desk', 'Network', 'Restricted');
my @baton_queues = ('Service Desk', 'Network');   # not Restricted: a queue Baton's account cannot see
# ReassignTicket lets an agent push a ticket from its owner to a colleague: exactly the push Baton governs.
# DeleteTicket lets an agent set Status=deleted (a ticket Baton then loses).
my @agent_rights = qw(SeeQueue ShowTicket ShowTicketComments CreateTicket ModifyTicket
                      OwnTicket TakeTicket StealTicket ReassignTicket ReplyToTicket CommentOnTicket
                      Watch WatchAsAdminCc DeleteTicket);
my $baton_pw = $ENV{BATON_SEED_PASSWORD};
# ReassignTicket: without it RT refuses to move a ticket from one owner to another
# ("You can only reassign tickets that you own or that are unowned"), even with ModifyTicket.
# CreateTicket: moving a ticket into a queue needs it there, else "Permission Denied".
my @baton_rights = qw(SeeQueue ShowTicket ShowTicketComments ModifyTicket OwnTicket
                      TakeTicket StealTicket ReassignTicket CreateTicket
                      ReplyToTicket CommentOnTicket);

@Groups = ({ Name => $group, Description => 'Agents who may own tickets' });
@Queues = map { { Name => $_, Description => "$_ queue" } } @queues;
@Users = (
    (map { { Name => $_->[0], RealName => $_->[1], EmailAddress => "$_->[0]\@example.test",
             Password => "$_->[0]pass", Privileged => 1, MemberOf => $group } }
         ['alice', 'Alice Agent'], ['bob', 'Bob Agent'], ['carol', 'Carol Agent']),
    { Name => 'baton', RealName => 'Baton service', EmailAddress => 'baton@example.test',
      Password => $baton_pw, Privileged => 1 },
    { Name => 'dave', RealName => 'Dave Unprivileged', EmailAddress => 'dave@example.test',
      Password => 'davepass', Privileged => 0 },
    # the leads come last, so the ids of the users above stay what seed version 2 gave them
    (map { { Name => $_->[0], RealName => $_->[1], EmailAddress => "$_->[0]\@example.test",
             Password => "$_->[0]pass", Privileged => 1, MemberOf => $group } }
         ['dana', 'Dana Lead'], ['erin', 'Erin Lead']),
);
for my $q (@queues) {
    push @ACL, map { { GroupDomain => 'UserDefined', GroupId => $group,
                       Queue => $q, Right => $_ } } @agent_rights;
}
for my $q (@baton_queues) {
    push @ACL, map { { UserId => 'baton', Queue => $q, Right => $_ } } @baton_rights;
}
1;
PERL
    chmod 644 "$data"
    if ! BATON_SEED_PASSWORD=$RT_BATON_PASSWORD www "$SETUP_DB" --action insert --skip-create --datafile "$data" \
            >"$STATE/seed.log" 2>&1; then
        fail "rt-setup-database-5 --action insert" "$STATE/seed.log"
    fi
    grep -qE '\[(error|crit|critical)\]' "$STATE/seed.log" && fail "seeding logged errors" "$STATE/seed.log"
    cp -p "$DB" "$SNAPSHOT"
    say "seed: done, snapshot $SNAPSHOT"
}

restore_snapshot() {
    [ -f "$SNAPSHOT" ] || fail "no snapshot $SNAPSHOT yet: run '$0 start' first"
    cp -p "$SNAPSHOT" "$DB"
    rm -f "$DB-journal" "$DB-wal" "$DB-shm" "$RT_VAR"/*.mbox
    say "db: restored the freshly seeded snapshot"
}

check_baton_login() {
    curl -s -f -o /dev/null --max-time 5 -u "baton:$RT_BATON_PASSWORD" "$URL/REST/2.0/rt" \
        || fail "user baton cannot log in with RT_BATON_PASSWORD (the DB was seeded with another one?): run '$0 wipe' then '$0 start'"
}

# -------------------------------------------------------------------------- commands
cmd=${1:-start}
case "$cmd" in
    start)
        if pid=$(running_pid) && rest_ok && [ -f "$SNAPSHOT" ] && [ -f "$SITE_FILE" ]; then
            write_site_config
            if [ "$CONFIG_CHANGED" = 0 ]; then
                say "rt-server already running (pid $pid): $URL/REST/2.0/"
                exit 0
            fi
            stop_server                    # RT reads its config when it starts only
        fi
        install_packages
        write_site_config
        if ! db_ready || [ ! -f "$SNAPSHOT" ]; then  # no database, or one seeded by an older seed
            stop_server
            init_db
            seed_db
        fi
        start_server
        check_baton_login
        ;;
    stop)
        stop_server
        ;;
    reset)
        stop_server
        if [ -f "$SNAPSHOT" ]; then
            write_site_config              # read by the start below
            restore_snapshot
        else                              # a newer seed than the one this machine was started with
            install_packages
            write_site_config
            init_db
            seed_db
            rm -f "$RT_VAR"/*.mbox
        fi
        start_server
        ;;
    scrip)
        { running_pid >/dev/null && rest_ok; } || fail "RT is not running: '$0 start' first"
        install -m 644 "$SCRIP_DATA" "$STATE/baton-webhook-initialdata.pl"   # readable by www-data
        if ! www "$SETUP_DB" --action insert --skip-create --datafile "$STATE/baton-webhook-initialdata.pl" \
                >"$STATE/scrip.log" 2>&1; then
            fail "rt-setup-database-5 --action insert --datafile $SCRIP_DATA" "$STATE/scrip.log"
        fi
        grep -qE '\[(error|crit|critical)\]' "$STATE/scrip.log" && fail "installing the Scrip logged errors" "$STATE/scrip.log"
        say "scrip: Baton's webhook Scrip installed, posting to $RT_BATON_HOOK_URL"
        ;;
    status)
        if pid=$(running_pid); then
            if rest_ok; then echo "running: pid $pid, $URL/REST/2.0/"; exit 0; fi
            echo "running: pid $pid, but REST2 does not answer at $URL"; exit 1
        fi
        echo "not running"; exit 3
        ;;
    wipe)
        stop_server
        rm -f "$DB" "$DB-journal" "$STATE"/baton-rt5*.sqlite.seeded "$RT_VAR"/*.mbox
        say "wiped $DB and its snapshots"
        ;;
    -h|--help|help)
        sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
        ;;
    *)
        echo "usage: $0 [start|stop|reset|status|wipe|scrip]" >&2; exit 2
        ;;
esac
