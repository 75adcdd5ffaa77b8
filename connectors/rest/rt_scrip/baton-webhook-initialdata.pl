# Baton's webhook for Request Tracker 5: an RT initialdata file that installs (or updates) one global Scrip.
#
# RT 5 has no outgoing webhooks. This Scrip posts each ticket transaction to Baton, with user and queue
# names resolved and the ticket as it is now, signed with HMAC-SHA256 as Baton's profile `request-tracker5`
# reads it (docs/request-tracker5.md, "Webhook deliveries").
#
# Install, as the user RT runs as (it needs the database's credentials; the Scrip works at once):
#     rt-setup-database-5 --action insert --skip-create --datafile baton-webhook-initialdata.pl
# Running it again updates the Scrip in place (it is found by its description), never adds a second one.
# `baton rt scrip` prints this file.
#
# RT_SiteConfig (e.g. /etc/request-tracker5/RT_SiteConfig.d/90-baton.pm), then restart RT:
#     Set($BatonWebhookURL, 'https://baton.example.com/hooks/rest/rt');   # /hooks/rest/<instance name>
#     Set($BatonWebhookSecret, $ENV{BATON_WEBHOOK_SECRET});   # the value of Baton's webhook_secret_env
#     Set($BatonWebhookTimeout, 2);        # seconds a POST may take (default 2)
#     Set($BatonWebhookPause, 10);         # seconds without posts after a failed one (default 10)
#
# Why each choice:
# - Stage "TransactionCreate": one POST per transaction, as it is recorded, with the ticket as that
#   transaction left it. (RT 5 runs "TransactionBatch" Scrips once, at the first ticket write of a request:
#   the Queue half of a PUT that sets Owner and Queue would never be posted.) RT calls the Scrip inside
#   its database transaction, just before it commits the change (batch Scrips too); Baton only keeps the
#   delivery and answers, and reads the ticket again before it writes, with If-Match.
# - RT is never broken by Baton: every error is caught and logged, a POST waits at most the timeout, and
#   after a failure (Baton down, 5xx, timeout) this RT process posts nothing for $BatonWebhookPause seconds
#   (default 10), so a Baton that hangs costs RT one timeout, not one per change. Baton's `mode: both` polls
#   RT as the backstop for what was not delivered.

my $description = "Baton webhook: post each ticket change to Baton";

my $commit_code = <<'BATON_COMMIT';
# Baton webhook (installed by baton-webhook-initialdata.pl: `baton rt scrip`; edit that file, not this code).
my $url     = RT->Config->Get('BatonWebhookURL');
my $secret  = RT->Config->Get('BatonWebhookSecret');
my $timeout = RT->Config->Get('BatonWebhookTimeout') || 2;
my $pause   = RT->Config->Get('BatonWebhookPause') // 10;
unless ($url && $secret) {
    RT->Logger->warning('Baton webhook: $BatonWebhookURL and $BatonWebhookSecret are not both set; nothing posted');
    return 1;
}
# The types Baton's profile watches (its poll reads the same ones); RT's mail records and the like stay home.
my %watched = map { $_ => 1 } qw(Create Set Status Comment Correspond);
my $txn = $self->TransactionObj;
return 1 unless $watched{ $txn->Type } && $txn->ObjectType eq 'RT::Ticket';
return 1 if ($Baton::Webhook::PausedUntil // 0) > time;
eval {
    require JSON;
    require Digest::SHA;
    require LWP::UserAgent;
    my $ticket = $self->TicketObj;   # loaded by RT as its system user: the ticket as this transaction left it
    my %class_of = (Owner => 'RT::User', Queue => 'RT::Queue');   # fields whose values are ids: sent as names
    my $named = sub {
        my ($class, $id) = @_;
        return $id unless defined $id && length $id;
        my $record = $class->new(RT->SystemUser);
        $record->Load($id);
        return $record->id ? $record->Name : $id;
    };
    my $class = $class_of{ $txn->Field // '' };
    my @requestors = sort { $a->id <=> $b->id } @{ $ticket->Requestors->UserMembersObj->ItemsArrayRef };
    my %delivery = (
        transaction => {
            id         => '' . $txn->id,
            Type       => $txn->Type,
            Field      => $txn->Field,
            OldValue   => $class ? $named->($class, $txn->OldValue) : $txn->OldValue,
            NewValue   => $class ? $named->($class, $txn->NewValue) : $txn->NewValue,
            Created    => $txn->CreatedObj->W3CDTF(Timezone => 'UTC'),   # as REST2 writes it
            Creator    => { id => $txn->CreatorObj->Name },
            ObjectType => $txn->ObjectType,
            ObjectId   => '' . $txn->ObjectId,
        },
        ticket => {
            id        => 0 + $ticket->id,
            Subject   => $ticket->Subject,
            Status    => $ticket->Status,
            Priority  => $ticket->Priority,
            Queue     => { id => $ticket->QueueObj->Name },
            Owner     => { id => $ticket->OwnerObj->Name },
            Requestor => [ map { +{ id => $_->Name, RealName => $_->RealName, EmailAddress => $_->EmailAddress } }
                           @requestors ],
        },
    );
    my $body = JSON->new->canonical->utf8->encode(\%delivery);
    my $agent = LWP::UserAgent->new(timeout => $timeout, max_redirect => 0, agent => 'baton-rt-scrip/1');
    my $answer = $agent->post($url, 'Content-Type' => 'application/json',
                              'X-Baton-Signature' => 'sha256=' . Digest::SHA::hmac_sha256_hex($body, $secret),
                              Content => $body);
    my $where = "Baton webhook: ticket " . $ticket->id . ", transaction " . $txn->id;
    if ($answer->code >= 500) {      # LWP answers 500 itself when it cannot connect or times out
        $Baton::Webhook::PausedUntil = time + $pause;
        RT->Logger->warning("$where not delivered (" . $answer->status_line . "); no posts for $pause s"
                            . " from this RT process; Baton's polling (mode: both) catches up");
    } elsif (!$answer->is_success) {  # Baton refused this one delivery and logs why
        RT->Logger->warning("$where refused: " . $answer->status_line);
    }
    1;
} or RT->Logger->error("Baton webhook failed: $@");
return 1;
BATON_COMMIT

@Final = (sub {
    my %fields = (
        Description       => $description,
        ScripCondition    => 'On Transaction',
        ScripAction       => 'User Defined',
        Template          => 'Blank',
        CustomPrepareCode => 'return 1;',
        CustomCommitCode  => $commit_code,
    );
    my $scrips = RT::Scrips->new(RT->SystemUser);
    $scrips->Limit(FIELD => 'Description', VALUE => $description);
    if (my $scrip = $scrips->First) {
        for my $field (qw(CustomPrepareCode CustomCommitCode)) {
            next if ($scrip->$field // '') eq $fields{$field};
            my $set = "Set$field";
            my ($ok, $message) = $scrip->$set($fields{$field});
            die "Baton webhook Scrip #" . $scrip->id . ": $message\n" unless $ok;
        }
        RT->Logger->info("Baton webhook Scrip #" . $scrip->id . " is up to date");
        return;
    }
    my $scrip = RT::Scrip->new(RT->SystemUser);
    my ($id, $message) = $scrip->Create(%fields, Queue => 0, Stage => 'TransactionCreate');
    die "Baton webhook Scrip not created: $message\n" unless $id;
    RT->Logger->info("Baton webhook Scrip #$id created (global, stage TransactionCreate)");
});

1;
