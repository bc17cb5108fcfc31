// Pure renderer of haproxy.cfg for a Patroni cluster: HAProxy asks each member's REST API who is leader
// (GET /primary) and who is a replica (GET /replica) and routes read-write / read-only clients accordingly.
import { badInput } from "../../providers/dynamic";

/** Paths served on the stats port. */
export const HAPROXY_STATS_PATH = "/";
export const HAPROXY_METRICS_PATH = "/metrics";
/** 200 while a leader is reachable through the read-write port, 503 otherwise: the container healthcheck uses it. */
export const HAPROXY_READY_PATH = "/ready";
export const HAPROXY_CONFIG_PATH = "/usr/local/etc/haproxy/haproxy.cfg";
/** Backend names (visible on the stats page and in /metrics). */
export const HAPROXY_READ_WRITE_BACKEND = "pg_read_write";
export const HAPROXY_READ_ONLY_BACKEND = "pg_read_only";

export interface HaproxyMember {
  /** Patroni member name, used as the HAProxy server name. */
  name: string;
  host: string;
  pgPort: number;
  /** Patroni REST API port, which answers the health checks. */
  apiPort: number;
}

export interface HaproxyConfigArgs {
  members: HaproxyMember[];
  ports: { readWrite: number; readOnly: number; stats: number };
  /** Address the three listeners bind to: "0.0.0.0" in a container, "127.0.0.1" in the tests. */
  bindAddress: string;
  /** Health-check timing (ms): a dead leader is marked down after interMs * fall. */
  check?: { interMs: number; fall: number; rise: number };
  /** Client/server idle timeout; long so idle pooled connections are not cut, short enough to free dead ones. */
  idleTimeoutMs?: number;
}

/** Down in 1 s (0.5 s x 2 failed checks), up after one good check: a switchover costs writes ~1 s less than with 1 s checks. */
export const FAST_CHECKS = Object.freeze({ interMs: 500, fall: 2, rise: 1 });

function fail(key: string, value: unknown, why: string): never {
  throw badInput(`haproxy ${key}`, value, why);
}

function checkPort(key: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > 65535) fail(key, value, "must be an integer port 1..65535");
}

export function validateHaproxyArgs(args: HaproxyConfigArgs): void {
  if (!args.members?.length) fail("members", args.members, "needs at least one Patroni member");
  const names = new Set<string>();
  args.members.forEach((m, i) => {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.\-]*$/.test(m.name ?? "")) fail(`members[${i}].name`, m.name, "must be letters, digits, '.', '_' or '-'");
    if (names.has(m.name)) fail(`members[${i}].name`, m.name, "is used twice");
    names.add(m.name);
    if (!/^[A-Za-z0-9.\-_]+$/.test(m.host ?? "")) fail(`members[${i}].host`, m.host, "must be a host name or IPv4 address");
    checkPort(`members[${i}].pgPort`, m.pgPort);
    checkPort(`members[${i}].apiPort`, m.apiPort);
  });
  for (const key of ["readWrite", "readOnly", "stats"] as const) checkPort(`ports.${key}`, args.ports?.[key]);
  const listen = [args.ports.readWrite, args.ports.readOnly, args.ports.stats];
  if (new Set(listen).size !== listen.length) fail("ports", args.ports, "readWrite, readOnly and stats must differ");
  if (!/^[0-9.]+$|^\*$/.test(args.bindAddress ?? "")) fail("bindAddress", args.bindAddress, "must be an IPv4 address or *");
  const check = args.check ?? FAST_CHECKS;
  for (const key of ["interMs", "fall", "rise"] as const) {
    if (!Number.isInteger(check[key]) || check[key] < 1) fail(`check.${key}`, check[key], "must be a positive integer");
  }
  if (args.idleTimeoutMs !== undefined && (!Number.isInteger(args.idleTimeoutMs) || args.idleTimeoutMs < 1000)) {
    fail("idleTimeoutMs", args.idleTimeoutMs, "must be an integer >= 1000");
  }
}

/** The body /primary must carry too: Patroni answers 200 as soon as it holds the leader lock, while PostgreSQL is
 * still promoting (role from pg_is_in_recovery() = "replica"), so a write sent then fails as read-only. */
export const PRIMARY_ROLE_EXPECT = `'"role": "primary"'`;

function pgBackend(name: string, patroniPath: string, args: HaproxyConfigArgs): string[] {
  const c = args.check ?? FAST_CHECKS;
  return [
    `backend ${name}`,
    "  mode tcp",
    "  option httpchk",
    `  http-check send meth GET uri ${patroniPath}`,
    "  http-check expect status 200",
    ...(patroniPath === "/primary" ? [`  http-check expect string ${PRIMARY_ROLE_EXPECT}`] : []),
    // A client left on a demoted leader would write into a read-only server: cut it when the member goes down.
    `  default-server inter ${c.interMs}ms fastinter ${Math.max(100, Math.floor(c.interMs / 2))}ms downinter ${c.interMs}ms fall ${c.fall} rise ${c.rise} on-marked-down shutdown-sessions`,
    ...args.members.map((m) => `  server ${m.name} ${m.host}:${m.pgPort} check port ${m.apiPort}`),
  ];
}

/** haproxy.cfg text. Read-only clients fall back to the leader while no replica is up, so reads go on
 * during a failover with a single survivor (documented trade-off: the leader then serves reads too). */
export function renderHaproxyConfig(args: HaproxyConfigArgs): string {
  validateHaproxyArgs(args);
  const idle = args.idleTimeoutMs ?? 30 * 60 * 1000;
  const bind = args.bindAddress;
  const lines = [
    "global",
    "  maxconn 1000",
    "  log stdout format raw local0 info",
    "",
    "defaults",
    "  log global",
    "  mode tcp",
    "  retries 2",
    "  timeout connect 2s",
    `  timeout client ${idle}ms`,
    `  timeout server ${idle}ms`,
    "  timeout check 2s",
    "",
    "listen stats",
    `  bind ${bind}:${args.ports.stats}`,
    "  mode http",
    "  option dontlog-normal",
    `  monitor-uri ${HAPROXY_READY_PATH}`,
    `  monitor fail if { nbsrv(${HAPROXY_READ_WRITE_BACKEND}) lt 1 }`,
    `  http-request use-service prometheus-exporter if { path ${HAPROXY_METRICS_PATH} }`,
    "  stats enable",
    `  stats uri ${HAPROXY_STATS_PATH}`,
    "  stats refresh 5s",
    "  stats show-legends",
    "",
    "frontend pg_read_write_in",
    `  bind ${bind}:${args.ports.readWrite}`,
    `  default_backend ${HAPROXY_READ_WRITE_BACKEND}`,
    "",
    "frontend pg_read_only_in",
    `  bind ${bind}:${args.ports.readOnly}`,
    `  use_backend ${HAPROXY_READ_WRITE_BACKEND} if { nbsrv(${HAPROXY_READ_ONLY_BACKEND}) lt 1 }`,
    `  default_backend ${HAPROXY_READ_ONLY_BACKEND}`,
    "",
    ...pgBackend(HAPROXY_READ_WRITE_BACKEND, "/primary", args),
    "",
    ...pgBackend(HAPROXY_READ_ONLY_BACKEND, "/replica", args),
    "",
  ];
  return lines.join("\n");
}
