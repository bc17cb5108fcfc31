// pgAdmin (seed: http://localhost:5050) with the lab's servers pre-registered from servers.json, in the group the
// seed uses (debezium_test): passwords are not stored, pgAdmin asks on first connect.
import { badInput } from "../../providers/dynamic";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { httpUrl } from "../core/address";
import { LabPlacement, labService } from "../core/labService";

const PORT_INSIDE = 80;
const SERVERS_PATH = "/pgadmin4/servers.json";

export interface PgAdminServer {
  name: string;
  /** Host and port inside the lab network. */
  host: string;
  port: number;
  database: string;
  user: string;
}

export interface PgAdminArgs extends LabPlacement {
  image: pulumi.Input<string>;
  port: number;
  /** pgAdmin's login: an e-mail address and a password. */
  email: string;
  password: pulumi.Input<string>;
  group: string;
  servers: PgAdminServer[];
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** pgAdmin's servers.json (its `setup.py load-servers` format); pure, so the mocks test reads it back. */
export function renderServersJson(group: string, servers: PgAdminServer[]): string {
  if (!servers.length) throw badInput("pgAdmin servers", servers, "register at least one server");
  const names = new Set<string>();
  const entries = servers.map((s, i) => {
    if (names.has(s.name)) throw badInput(`pgAdmin servers[${i}].name`, s.name, "registered twice");
    if (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535) throw badInput(`pgAdmin servers[${i}].port`, s.port, "must be 1..65535");
    names.add(s.name);
    return [String(i + 1), { Name: s.name, Group: group, Host: s.host, Port: s.port, MaintenanceDB: s.database, Username: s.user, SSLMode: "prefer" }];
  });
  return JSON.stringify({ Servers: Object.fromEntries(entries) }, null, 2) + "\n";
}

/** Exit 0 only when pgAdmin's web app answers its ping endpoint. */
export function pgAdminHealthCheck(): string[] {
  return ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${PORT_INSIDE}/misc/ping`];
}

export class PgAdmin extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  public readonly url: string;

  constructor(name: string, args: PgAdminArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lab:ui:PgAdmin", name, {}, opts);
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(args.email)) throw badInput("pgAdmin email", args.email, "pgAdmin requires an e-mail address");
    const ui = labService(this, args, {
      service: name, image: args.image,
      serves: { port: PORT_INSIDE, hostPort: args.port },
      env: {
        PGADMIN_DEFAULT_EMAIL: args.email,
        PGADMIN_DEFAULT_PASSWORD: args.password,
        PGADMIN_SERVER_JSON_FILE: SERVERS_PATH,
        // A lab on loopback: no master password prompt on top of the login.
        PGADMIN_CONFIG_MASTER_PASSWORD_REQUIRED: "False",
      },
      files: [{ path: SERVERS_PATH, content: renderServersJson(args.group, args.servers) }],
      healthcheck: { test: pgAdminHealthCheck(), intervalSeconds: 10, retries: 10, startPeriodSeconds: 60 },
      dependsOn: args.dependsOn,
    });
    this.container = ui.container;
    this.url = httpUrl(ui.published);
    this.registerOutputs({ url: this.url });
  }
}
