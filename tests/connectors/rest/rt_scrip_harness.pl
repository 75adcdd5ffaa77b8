#!/usr/bin/perl
# Runs the Scrip's commit code (extracted by the test) outside RT, with stand-ins for the RT objects it reads.
# Usage: perl rt_scrip_harness.pl CODE_FILE SPEC_JSON. The code posts for real (LWP) to the spec's URL.
use strict;
use warnings;
use JSON;

my ($code_file, $spec_json) = @ARGV;
our $SPEC = decode_json($spec_json);

package Record;      # any RT record: its fields by method name, objects for the *Obj methods
sub new { my ($class, %fields) = @_; return bless {%fields}, $class }
our $AUTOLOAD;
sub AUTOLOAD {
    my $self = shift;
    (my $name = $AUTOLOAD) =~ s/.*:://;
    return if $name eq 'DESTROY';
    die "the Scrip read $name, which this stand-in does not have\n" unless exists $self->{$name};
    return $self->{$name};
}

package Directory;   # RT::User / RT::Queue: ->new(user)->Load(id) then ->id and ->Name
sub new { my ($class) = @_; return bless {}, $class }
sub Load { my ($self, $id) = @_; my $name = $self->names->{$id}; @$self{qw(id Name)} = defined $name ? ($id, $name) : (0, undef); }
sub id { $_[0]{id} }
sub Name { $_[0]{Name} }
package RT::User;  our @ISA = ('Directory'); sub names { $main::SPEC->{users} }
package RT::Queue; our @ISA = ('Directory'); sub names { $main::SPEC->{queues} }

package RT;
sub Config { return 'RT' }
sub Get { my (undef, $name) = @_; return $main::SPEC->{config}{$name} }
sub Logger { return 'RT' }
sub warning { shift; print STDERR "[warning] @_\n" }
sub error { shift; print STDERR "[error] @_\n" }
sub SystemUser { return 'RT_System' }

package main;
my $t = $SPEC->{txn};
my $txn = Record->new(%$t, CreatedObj => Record->new(W3CDTF => $t->{Created}),
                      CreatorObj => Record->new(Name => $t->{Creator}));
my $k = $SPEC->{ticket};
my @requestors = map { Record->new(%$_) } @{ $k->{Requestors} };
my $ticket = Record->new(%$k, QueueObj => Record->new(Name => $k->{Queue}), OwnerObj => Record->new(Name => $k->{Owner}),
                         Requestors => Record->new(UserMembersObj => Record->new(ItemsArrayRef => \@requestors)));
my $self = Record->new(TransactionObj => $txn, TicketObj => $ticket);
my $code = do { local $/; open my $fh, '<', $code_file or die "$code_file: $!"; <$fh> };
my $result = eval $code;
die "the Scrip's code died: $@" if $@;
print "returned $result\n";
