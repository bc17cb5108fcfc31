// Pure: what makes a plain PostgreSQL a streaming replica of another, as text. The replica container runs the
// start script; tests/real/replication.test.ts runs the very same script against a local primary.
import { badInput } from "../../providers/dynamic";

/** Where the replica finds its primary, and the names both sides agree on. */
export interface ReplicaSettings {
  primaryHost: string;
  primaryPort: number;
  replicationUser: string;
  /** Physical slot on the primary: it keeps the WAL the replica has not received yet. */
  slot: string;
  /** Shows up in pg_stat_replication.application_name on the primary. */
  applicationName: string;
  /** Password file for the replication user, written by the script from $REPLICATION_PASSWORD (never into postgresql.auto.conf). */
  passFile: string;
  /** How many one-second waits for the primary before giving up. */
  waitTries?: number;
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/** The environment the start script reads; bad names fail here, naming the key and the value. */
export function replicaEnv(s: ReplicaSettings): Record<string, string> {
  for (const [key, v] of [["replicationUser", s.replicationUser], ["slot", s.slot], ["applicationName", s.applicationName]] as const) {
    if (!IDENT.test(v)) throw badInput(`replica.${key}`, v, "must be a lower-case SQL identifier (a-z, 0-9, _)");
  }
  if (!Number.isInteger(s.primaryPort) || s.primaryPort < 1 || s.primaryPort > 65535) {
    throw badInput("replica.primaryPort", s.primaryPort, "must be 1..65535");
  }
  if (!/^[A-Za-z0-9.-]+$/.test(s.primaryHost)) throw badInput("replica.primaryHost", s.primaryHost, "must be a host name or IPv4 address");
  return {
    PRIMARY_HOST: s.primaryHost,
    PRIMARY_PORT: String(s.primaryPort),
    REPLICATION_USER: s.replicationUser,
    REPLICA_SLOT: s.slot,
    REPLICA_APPLICATION_NAME: s.applicationName,
    PGPASSFILE: s.passFile,
    PRIMARY_WAIT_TRIES: String(s.waitTries ?? 120),
  };
}

/**
 * The replica's entry point (POSIX sh, run as the postgres user). On an empty data directory it clones the
 * primary with pg_basebackup through the slot, then marks the copy a standby (standby.signal + primary_conninfo);
 * on later starts it just starts. Extra arguments go to postgres (`-c port=...`).
 */
export const REPLICA_START_SCRIPT = `#!/bin/sh
set -eu
: "\${PGDATA:?PGDATA is not set}"
: "\${PRIMARY_HOST:?PRIMARY_HOST is not set}"
: "\${PRIMARY_PORT:?PRIMARY_PORT is not set}"
: "\${REPLICATION_USER:?REPLICATION_USER is not set}"
: "\${REPLICA_SLOT:?REPLICA_SLOT is not set}"
: "\${REPLICA_APPLICATION_NAME:?REPLICA_APPLICATION_NAME is not set}"
: "\${PGPASSFILE:?PGPASSFILE is not set}"
bin=\${PG_BIN:+\$PG_BIN/}
if [ -n "\${REPLICATION_PASSWORD:-}" ]; then
  # Written by this user with mode 0600: libpq ignores a password file others can read.
  esc() { printf '%s' "\$1" | sed -e 's/\\\\/\\\\\\\\/g' -e 's/:/\\\\:/g'; }
  (umask 077 && printf '%s:%s:replication:%s:%s\\n' "\$(esc "\$PRIMARY_HOST")" "\$PRIMARY_PORT" \\
    "\$(esc "\$REPLICATION_USER")" "\$(esc "\$REPLICATION_PASSWORD")" > "\$PGPASSFILE")
fi
if [ ! -s "\$PGDATA/PG_VERSION" ]; then
  tries=0
  # Bounded: a primary that never comes up fails the container (and its healthcheck) instead of hanging.
  until "\${bin}pg_isready" -q -h "\$PRIMARY_HOST" -p "\$PRIMARY_PORT"; do
    tries=\$((tries + 1))
    if [ "\$tries" -ge "\${PRIMARY_WAIT_TRIES:-120}" ]; then
      echo "replica: primary \$PRIMARY_HOST:\$PRIMARY_PORT not ready after \$tries tries" >&2
      exit 1
    fi
    sleep 1
  done
  echo "replica: cloning \$PRIMARY_HOST:\$PRIMARY_PORT through slot \$REPLICA_SLOT"
  "\${bin}pg_basebackup" -h "\$PRIMARY_HOST" -p "\$PRIMARY_PORT" -U "\$REPLICATION_USER" -D "\$PGDATA" \\
    -X stream -c fast -S "\$REPLICA_SLOT" --no-password
  touch "\$PGDATA/standby.signal"
  cat >> "\$PGDATA/postgresql.auto.conf" <<EOF
primary_conninfo = 'host=\$PRIMARY_HOST port=\$PRIMARY_PORT user=\$REPLICATION_USER passfile=\$PGPASSFILE application_name=\$REPLICA_APPLICATION_NAME'
primary_slot_name = '\$REPLICA_SLOT'
hot_standby = on
EOF
  chmod 700 "\$PGDATA"
fi
exec "\${bin}postgres" -D "\$PGDATA" "\$@"
`;

/** The password file line for the replication user (host:port:database:user:password, ':' and '\' escaped). */
export function pgpassLine(host: string, port: number, user: string, password: string): string {
  const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/:/g, "\\:");
  return `${esc(host)}:${port}:replication:${esc(user)}:${esc(password)}\n`;
}

/**
 * SQL the primary runs once: the replication role and the replica's physical slot. The password comes from the
 * psql variable :'replication_password' (set from the environment), so it is not in this text.
 */
export function primaryReplicationSql(replicationUser: string, slot: string): string {
  replicaEnv({ primaryHost: "primary", primaryPort: 5432, replicationUser, slot, applicationName: "replica", passFile: "/dev/null" });
  return [
    `CREATE ROLE ${replicationUser} WITH REPLICATION LOGIN PASSWORD :'replication_password';`,
    `SELECT pg_create_physical_replication_slot('${slot}') WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '${slot}');`,
    "",
  ].join("\n");
}

/**
 * The primary's /docker-entrypoint-initdb.d script: runs primaryReplicationSql with the password from
 * $REPLICATION_PASSWORD and lets the replication user in from the lab network (scram, never trust).
 */
export function renderPrimaryInitScript(replicationUser: string, slot: string): string {
  return `#!/bin/sh
set -eu
: "\${REPLICATION_PASSWORD:?REPLICATION_PASSWORD is not set}"
psql -v ON_ERROR_STOP=1 -v replication_password="\$REPLICATION_PASSWORD" --username "\$POSTGRES_USER" --dbname postgres <<'SQL'
${primaryReplicationSql(replicationUser, slot)}SQL
echo "host replication ${replicationUser} all scram-sha-256" >> "\$PGDATA/pg_hba.conf"
`;
}

/** Settings the primary needs for a streaming replica and for Debezium (logical decoding). */
export const PRIMARY_SETTINGS: Record<string, string> = {
  wal_level: "logical",
  max_wal_senders: "10",
  max_replication_slots: "10",
  hot_standby: "on",
};
