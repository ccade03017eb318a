#!/usr/bin/env bash
# Checks the example application's SQL on a real PostgreSQL server: applies schema/*.up.sql in
# order, every .down.sql in reverse (nothing may be left behind) and the ups again, then PREPAREs
# every query of queries/*.sql, rewritten from sqlc syntax to positional parameters, so that the
# server validates it and infers the type of each parameter.
#
#   scripts/with-pg.sh bash tests/sql/check_example_sql.sh [-v]
#
# Needs an empty database in DATABASE_URL (with-pg.sh provides one), psql and perl.
# -v also prints each query's result column types. The pgvector migration (the one that runs
# CREATE EXTENSION vector, which must be the last) and queries/embeddings_vector.sql are
# skipped, saying so, when the server does not offer the extension.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
: "${DATABASE_URL:?DATABASE_URL is not set: run under scripts/with-pg.sh}"
verbose=0
[ "${1:-}" = "-v" ] && verbose=1

passed=0
failed=0
skipped=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-sql.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

pass() { passed=$((passed + 1)); [ "$verbose" = 0 ] || echo "ok   $*"; }
fail() {
    failed=$((failed + 1))
    echo "FAIL $1"
    shift
    [ $# -eq 0 ] || printf '%s\n' "$@" | sed 's/^/     /'
}
psql_run() { psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 "$@"; }
psql_value() { psql_run -At -c "$1"; }

# Runs one migration file in a single transaction, as the runtime's migrator does.
apply() {
    local f=$1 out
    if out=$(psql_run -1 -f "$root/$f" 2>&1); then
        pass "$f"
    else
        fail "$f" "$out"
    fi
}

# What the schema left in the database: relations, types, functions, extensions.
leftovers() {
    psql_value "
        SELECT string_agg(what, ', ' ORDER BY what) FROM (
            SELECT 'relation ' || c.relname AS what
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public'
            UNION ALL
            SELECT 'type ' || t.typname
            FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE n.nspname = 'public'
            UNION ALL
            SELECT 'function ' || p.proname
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public'
            UNION ALL
            SELECT 'extension ' || extname FROM pg_extension WHERE extname <> 'plpgsql'
        ) s"
}

cd "$root"
left=$(leftovers)
[ -z "$left" ] || { echo "check_example_sql: the database is not empty ($left)" >&2; exit 2; }

have_vector=$(psql_value "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")

# --- migrations: file layout -----------------------------------------------------------------
ups=(schema/*.up.sql)
[ -e "${ups[0]}" ] || { echo "check_example_sql: no schema/*.up.sql" >&2; exit 2; }
vector_up=
for f in "${ups[@]}"; do
    base=${f#schema/}
    problems=()
    [[ $base =~ ^[0-9]{4}_[a-z0-9_]+\.up\.sql$ ]] || problems+=("name must be NNNN_name.up.sql")
    [ -f "${f%.up.sql}.down.sql" ] || problems+=("no ${f%.up.sql}.down.sql")
    head -n 1 "$f" | grep -Eq '^-- [A-Z]' || problems+=("must start with a one-line -- comment")
    if grep -Eqi 'create[[:space:]]+extension[^;]*[[:space:]"]vector' "$f"; then
        vector_up=$f
        [ "$f" = "${ups[-1]}" ] || problems+=("the pgvector migration must be the last one")
    fi
    if [ ${#problems[@]} -eq 0 ]; then pass "$f (layout)"; else fail "$f" "${problems[@]}"; fi
done
for f in schema/*.down.sql; do
    [ -f "${f%.down.sql}.up.sql" ] || fail "$f" "no matching .up.sql"
done

# Migrations applied here: all of them, or all but the pgvector one without the extension.
applied=()
for f in "${ups[@]}"; do
    if [ "$f" = "$vector_up" ] && [ "$have_vector" = 0 ]; then continue; fi
    applied+=("$f")
done

# --- migrations: up, down, up ----------------------------------------------------------------
for f in "${applied[@]}"; do apply "$f"; done
if [ -n "$vector_up" ] && [ "$have_vector" = 0 ]; then
    echo "skipped: $vector_up (pgvector not installed)"
    skipped=$((skipped + 1))
fi
for ((i = ${#applied[@]} - 1; i >= 0; i--)); do
    apply "${applied[i]%.up.sql}.down.sql"
done
left=$(leftovers)
if [ -z "$left" ]; then pass "down migrations leave an empty database"; else
    fail "down migrations leave objects behind" "$left"
    # Start the second pass from a clean database anyway.
    psql_run -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public;" >/dev/null 2>&1 || true
fi
# The second up runs without the pgvector migration first: every other query must work at the
# version before it.
for f in "${applied[@]}"; do [ "$f" = "$vector_up" ] || apply "$f"; done

# --- queries ----------------------------------------------------------------------------------
psql_value "SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'" >"$tmp/keywords"
query_files=(queries/*.sql)
[ -e "${query_files[0]}" ] || { echo "check_example_sql: no queries/*.sql" >&2; exit 2; }
# The extractor below splits the query files and rewrites sqlc syntax to $n. It writes
# $tmp/NNNN.sql (one statement each) and prints one manifest line per query, fields separated by
# \x1f (so that empty fields survive `read`): NNNN, file, line, name, cmd, comma-separated
# parameter names in $n order, and the static problems found ("; "-separated, empty if none).
perl - "$tmp" "$tmp/keywords" "${query_files[@]}" >"$tmp/manifest" <<'PERL' || exit 2
use strict;
use warnings;

my ($outdir, $kwfile, @files) = @ARGV;
die "usage: perl - OUTDIR KEYWORDS_FILE FILE...\n" unless defined $kwfile && @files;

# Keywords that cannot be a bare parameter name: sqlc.arg(x) and @x parse x as a column
# reference, which only unreserved keywords may be.
my %keyword;
open my $kw, '<', $kwfile or die "$kwfile: $!\n";
while (<$kw>) { chomp; $keyword{lc $_} = 1 if length }
close $kw;

my %cmds = map { $_ => 1 } qw(:one :many :exec :execrows :execresult :copyfrom
                              :batchexec :batchone :batchmany);
my %seen_name;
my $count = 0;

# Rewrites one statement. Returns (sql, [param names in $n order], [problems]).
sub rewrite {
    my ($s) = @_;
    my (%num, @names, @problems);
    my ($named, $positional, $semicolons) = (0, 0, 0);
    my $out = '';
    my $param = sub {
        my ($name) = @_;
        push @problems, "parameter name \"$name\" is not snake_case"
            unless $name =~ /^[a-z_][a-z0-9_]*$/;
        push @problems, "parameter name \"$name\" is a PostgreSQL keyword (quote it or rename)"
            if $keyword{lc $name};
        $named++;
        unless ($num{$name}) { push @names, $name; $num{$name} = scalar @names; }
        return '$' . $num{$name};
    };
    pos($s) = 0;
    while (pos($s) < length $s) {
        if ($s =~ /\G('(?:[^']|'')*')/gc || $s =~ /\G("(?:[^"]|"")*")/gc
            || $s =~ /\G(--[^\n]*)/gc || $s =~ /\G(\/\*.*?\*\/)/gcs) {
            $out .= $1;
        } elsif ($s =~ /\G(?:(NOT)\s+)?IN\s*\(\s*sqlc\.slice\s*\(\s*('?)(\w+)\2\s*\)\s*\)/gci) {
            # PostgreSQL has no list splice: a slice is an array parameter.
            $out .= ($1 ? '<> ALL(' : '= ANY(') . $param->($3) . ')';
        } elsif ($s =~ /\Gsqlc\.(?:arg|narg|slice)\s*\(\s*('?)(\w+)\1\s*\)/gc) {
            $out .= $param->($2);
        } elsif ($s =~ /\Gsqlc\.embed\s*\(\s*(\w+)\s*\)/gc) {
            $out .= "$1.*";
        } elsif ($s =~ /\Gsqlc\.(\w+)/gc) {
            push @problems, "unknown macro sqlc.$1";
            $out .= "sqlc.$1";
        } elsif ($s =~ /\G\$(\d+)/gc) {
            $positional++;
            $out .= "\$$1";
        } elsif ($s =~ /\G@([A-Za-z_]\w*)/gc) {
            my $name = $1;
            my $at = pos($s) - length($name) - 1;
            my $prev = $at > 0 ? substr($s, $at - 1, 1) : ' ';
            # a=@b lexes as the operator =@, a<@b as <@: the name must follow a space or (.
            push @problems, "\@$name follows '$prev': put a space before it"
                unless $prev =~ /[\s(]/;
            $out .= $param->($name);
        } elsif ($s =~ /\G([A-Za-z_][\w\$]*)/gc) {
            $out .= $1;
        } elsif ($s =~ /\G(\s+|.)/gcs) {
            $semicolons++ if $1 eq ';';
            $out .= $1;
        }
    }
    push @problems, 'mixes positional ($n) and named parameters' if $named && $positional;
    push @problems, 'more than one statement' if $semicolons;
    return ($out, \@names, \@problems);
}

# Checks the shape sqlc requires of :copyfrom: INSERT INTO t (cols) VALUES ($1, ..., $n).
sub copyfrom_problem {
    my ($sql) = @_;
    $sql =~ s/--[^\n]*//g;
    return 'copyfrom must be INSERT INTO t (cols) VALUES ($1, ..., $n)'
        unless $sql =~ /^\s*INSERT\s+INTO\s+[\w.]+\s*\(([^)]*)\)\s*VALUES\s*\(([^)]*)\)\s*$/is;
    my ($collist, $vallist) = ($1, $2);
    my @cols = split /\s*,\s*/, ($collist =~ s/^\s+|\s+$//gr);
    my @vals = split /\s*,\s*/, ($vallist =~ s/^\s+|\s+$//gr);
    return 'copyfrom: column and value counts differ' unless @cols == @vals;
    for my $i (0 .. $#vals) {
        return 'copyfrom: values must be $1, $2, ... in order' unless $vals[$i] eq '$' . ($i + 1);
    }
    return '';
}

sub emit {
    my ($file, $q) = @_;
    return unless $q;
    my @problems = @{ $q->{problems} };
    (my $body = $q->{body}) =~ s/\s+$//;
    $body =~ s/;\s*$//;
    push @problems, 'empty statement' unless $body =~ /\S/;
    my ($sql, $names, $rp) = rewrite($body);
    push @problems, @$rp;
    if ($q->{cmd} eq ':copyfrom') {
        my $p = copyfrom_problem($sql);
        push @problems, $p if $p;
    }
    $count++;
    my $id = sprintf '%04d', $count;
    open my $fh, '>', "$outdir/$id.sql" or die "$outdir/$id.sql: $!\n";
    print $fh $sql, "\n";
    close $fh;
    print join("\x1f", $id, $file, $q->{line}, $q->{name}, $q->{cmd}, join(',', @$names),
               join('; ', @problems)), "\n";
}

for my $file (@files) {
    open my $fh, '<', $file or die "$file: $!\n";
    my ($q, $n) = (undef, 0);
    while (my $line = <$fh>) {
        $n++;
        if ($line =~ /^\s*--\s*name:/) {
            emit($file, $q);
            my @problems;
            my ($name, $cmd) = $line =~ /^\s*--\s*name:\s*(\S+)\s+(:\w+)\s*$/;
            if (!defined $cmd) {
                ($name) = $line =~ /name:\s*(\S+)/;
                $name //= '?';
                $cmd = '?';
                push @problems, 'annotation must be "-- name: Name :cmd"';
            } elsif (!$cmds{$cmd}) {
                push @problems, "unknown command $cmd";
            }
            push @problems, "query name $name is not CamelCase"
                unless $name =~ /^[A-Z][A-Za-z0-9]*$/;
            push @problems, "duplicate query name (first in $seen_name{$name})"
                if $seen_name{$name};
            $seen_name{$name} //= "$file:$n";
            $q = { name => $name, cmd => $cmd, line => $n, body => '', problems => \@problems };
        } elsif (!$q) {
            # Before the first annotation only comments and blank lines are allowed.
            die "$file:$n: SQL outside a '-- name:' block\n" unless $line =~ /^\s*(--.*)?$/;
        } else {
            $q->{body} .= $line;
        }
    }
    emit($file, $q);
    close $fh;
}
PERL

check_query() {
    local id=$1 file=$2 line=$3 name=$4 cmd=$5 names=$6 problems=$7 out types results
    local where="$file:$line $name $cmd"
    if [ -n "$problems" ]; then fail "$where" "${problems//; /$'\n'}"; return; fi
    # PREPARE gives the parameter types; \gdesc the result columns (none for a plain command).
    if ! out=$({ echo "PREPARE pqgen_check AS"; cat "$tmp/$id.sql"; echo ";"
                 echo "SELECT coalesce(string_agg(format_type(t, NULL), '|' ORDER BY i), '')
                       FROM pg_prepared_statements,
                            unnest(parameter_types::oid[]) WITH ORDINALITY AS u(t, i)
                       WHERE name = 'pqgen_check';"
                 cat "$tmp/$id.sql"; echo '\gdesc'
               } | psql_run -At -F ' ' -f - 2>&1); then
        fail "$where" "$out"
        return
    fi
    types=$(head -n 1 <<<"$out")
    results=$(tail -n +2 <<<"$out" | paste -sd, - | sed 's/,/, /g')
    case $results in "The command has no result"*) results=- ;; esac
    case $cmd in
        :one|:many|:batchone|:batchmany)
            if [ "$results" = "-" ]; then
                fail "$where" "$cmd needs a statement that returns rows"
                return
            fi ;;
        *)
            if [ "$results" != "-" ]; then
                fail "$where" "$cmd must not return rows (drop RETURNING)"
                return
            fi ;;
    esac
    # Pair parameter names with the types the server inferred: name type, ...
    local -a n t
    local sig= k
    IFS=, read -r -a n <<<"$names"
    IFS='|' read -r -a t <<<"$types"
    for k in "${!t[@]}"; do
        sig+="${sig:+, }\$$((k + 1)) ${n[k]:-} ${t[k]}"
    done
    if [ "$verbose" = 1 ]; then pass "$where ($sig) -> ($results)"; else pass "$where"; fi
}

# Every query outside embeddings_vector.sql first, at the version before the pgvector migration;
# then the vector queries, after applying it.
while IFS=$'\x1f' read -r id file line name cmd names problems; do
    [ "${file#queries/}" != "embeddings_vector.sql" ] || continue
    check_query "$id" "$file" "$line" "$name" "$cmd" "$names" "$problems"
done <"$tmp/manifest"
if [ -n "$vector_up" ] && [ "$have_vector" != 0 ]; then apply "$vector_up"; fi
vector_queries=$(grep -c $'\x1fqueries/embeddings_vector.sql\x1f' "$tmp/manifest" || true)
if [ "$vector_queries" -gt 0 ] && [ "$have_vector" = 0 ]; then
    echo "skipped: queries/embeddings_vector.sql, $vector_queries queries" \
         "(pgvector not installed)"
    skipped=$((skipped + vector_queries))
elif [ "$vector_queries" -gt 0 ]; then
    while IFS=$'\x1f' read -r id file line name cmd names problems; do
        [ "${file#queries/}" = "embeddings_vector.sql" ] || continue
        check_query "$id" "$file" "$line" "$name" "$cmd" "$names" "$problems"
    done <"$tmp/manifest"
fi

echo "$(wc -l <"$tmp/manifest") queries in ${#query_files[@]} files, ${#ups[@]} migrations"
[ "$skipped" -eq 0 ] || echo "$skipped skipped (pgvector not installed)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
