# Shell functions for the scripts that measure retuple on large generated
# v0.6 databases (scripts/scale, scripts/reader-latency). Source it after
# scripts/lib/postgres.sh; it sets nothing until a function is called.

# Builds the release binaries and sets BIN to their directory.
# RETUPLE_SCRATCH_PATH picks the build directory (default .build).
build_release() {
    local scratch=${RETUPLE_SCRATCH_PATH:-.build}
    swift build -c release --scratch-path "$scratch" >&2
    BIN=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
}

# Sets ADMIN_DSN to a superuser DSN: RETUPLE_SCALE_POSTGRES_DSN when set,
# else a throwaway cluster started here and stopped on exit.
use_postgres_server() {
    if [ -n "${RETUPLE_SCALE_POSTGRES_DSN:-}" ]; then
        ADMIN_DSN=$RETUPLE_SCALE_POSTGRES_DSN
        return 0
    fi
    trap stop_throwaway_postgres EXIT
    start_throwaway_postgres
    ADMIN_DSN=$RETUPLE_TEST_POSTGRES_DSN
}

# Creates (anew) database NAME on ADMIN_DSN's server and prints its DSN.
fresh_postgres_database() {
    local name=$1
    psql -X -q -v ON_ERROR_STOP=1 "$ADMIN_DSN" \
        -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" -c "CREATE DATABASE \"$name\"" >&2
    # postgresql://user:pw@host:port/DB?query: swap the path, keep the rest.
    local base=${ADMIN_DSN%%\?*} query=""
    [ "$base" != "$ADMIN_DSN" ] && query="?${ADMIN_DSN#*\?}"
    echo "${base%/*}/$name$query"
}

# Generates a v0.6 database: generate_legacy DSN TUPLES NAMESPACES BROKEN_SHARE CONFIG_OUT
generate_legacy() {
    "$BIN/retuple-fixtures" generate --dsn "$1" --tuples "$2" --namespaces "$3" \
        --broken-share "$4" --config-out "$5" >&2
    "$BIN/retuple" migrate up --dsn "$1" -y -q >&2
}

# Turns 10M, 500k, 1000000 into a number of tuples.
tuple_count() {
    case $1 in
        *[mM]) echo $((${1%?} * 1000000)) ;;
        *[kK]) echo $((${1%?} * 1000)) ;;
        *[!0-9]* | "") echo "not a number of tuples: $1" >&2; return 1 ;;
        *) echo "$1" ;;
    esac
}
