# Shell functions for the project's scripts: install what a fresh Debian
# machine lacks, and run a throwaway PostgreSQL 15 cluster on a free port.
# Source it; it sets nothing until a function is called.

PG_BIN=/usr/lib/postgresql/15/bin

# Installs the named Debian packages that are absent.
ensure_debian_packages() {
    local wanted=("$@")
    local missing=()
    for package in "${wanted[@]}"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing ${missing[*]} from Debian's packages" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# What building retuple needs: the C libraries' headers and pkg-config.
ensure_build_packages() {
    ensure_debian_packages libpq-dev libsqlite3-dev pkg-config
}

# What the tests and the benchmark need on top: a PostgreSQL 15 server
# (with its client tools), and the sqlite3 shell and jq that the runbook's
# blocks call (runbooks/, run by Tests/RetupleCLITests/RunbookTests.swift).
ensure_test_packages() {
    ensure_debian_packages libpq-dev libsqlite3-dev pkg-config postgresql-15 sqlite3 jq
}

# Runs a command as the cluster's owner: `postgres` when we are root
# (initdb refuses root), ourselves otherwise.
as_cluster_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
    else
        "$@"
    fi
}

# Prints the first free TCP port on 127.0.0.1 from 54320 on.
free_port() {
    local port
    for port in $(seq 54320 54999); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    echo "no free port between 54320 and 54999" >&2
    return 1
}

# Starts a throwaway cluster and exports RETUPLE_TEST_POSTGRES_DSN (superuser
# `postgres` with a random password, TCP on 127.0.0.1) and RETUPLE_PG_DIR.
# RETUPLE_PG_INITDB_OPTIONS, when set, is added to initdb's options (a test
# puts the WAL on a small file system with `--waldir=DIR --wal-segsize=1`).
# Stop it with stop_throwaway_postgres.
start_throwaway_postgres() {
    RETUPLE_PG_DIR=$(mktemp -d /tmp/retuple-pg.XXXXXX)
    export RETUPLE_PG_DIR
    local password port
    password="pw-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
    port=$(free_port)
    printf '%s\n' "$password" >"$RETUPLE_PG_DIR/pwfile"
    [ "$(id -u)" -eq 0 ] && chown -R postgres "$RETUPLE_PG_DIR"
    as_cluster_owner "$PG_BIN/initdb" -D "$RETUPLE_PG_DIR/data" -U postgres \
        --pwfile="$RETUPLE_PG_DIR/pwfile" --auth-local=trust --auth-host=scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 ${RETUPLE_PG_INITDB_OPTIONS:-} >"$RETUPLE_PG_DIR/initdb.log" 2>&1 \
        || { cat "$RETUPLE_PG_DIR/initdb.log" >&2; return 1; }
    as_cluster_owner "$PG_BIN/pg_ctl" -D "$RETUPLE_PG_DIR/data" -l "$RETUPLE_PG_DIR/server.log" -w \
        -o "-p $port -k $RETUPLE_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null \
        || { cat "$RETUPLE_PG_DIR/server.log" >&2; return 1; }
    export RETUPLE_TEST_POSTGRES_DSN="postgresql://postgres:$password@127.0.0.1:$port/postgres?sslmode=disable"
    echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') running on 127.0.0.1:$port (data in $RETUPLE_PG_DIR)" >&2
}

# Stops the throwaway cluster, whatever state it is in, and removes it.
stop_throwaway_postgres() {
    [ -n "${RETUPLE_PG_DIR:-}" ] || return 0
    as_cluster_owner "$PG_BIN/pg_ctl" -D "$RETUPLE_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$RETUPLE_PG_DIR"
    unset RETUPLE_PG_DIR
}
