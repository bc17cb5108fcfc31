// Patroni through `docker exec <member> patronictl -c /etc/patroni/patroni.yml ...`: the cluster as Patroni sees it,
// whichever stack runs and whatever ports it publishes.
import { PATRONI_CONFIG_PATH } from "../../components/patroni/patroniConfig";
import { LabDocker, LabService, numbered } from "./docker";

export interface PatroniMember {
  member: string;
  role: string;
  state: string;
  lagMb?: number;
  timeline?: number;
}

/** Parses `patronictl list -f json`. */
export function parseMembers(json: string): PatroniMember[] {
  let rows: unknown;
  try { rows = JSON.parse(json); } catch { throw new Error(`patronictl list -f json printed no JSON: ${json.slice(0, 300)}`); }
  if (!Array.isArray(rows)) throw new Error(`patronictl list -f json: expected a list, got ${json.slice(0, 300)}`);
  return rows.map((r: Record<string, unknown>) => ({
    member: String(r.Member ?? ""), role: String(r.Role ?? ""), state: String(r.State ?? ""),
    lagMb: typeof r["Lag in MB"] === "number" ? (r["Lag in MB"] as number) : undefined,
    timeline: typeof r.TL === "number" ? (r.TL as number) : undefined,
  }));
}

export const leaderOf = (members: readonly PatroniMember[]) => members.find((m) => m.role === "Leader")?.member;

/** Streaming (or running) replicas, sync standbys first: the ones a switchover or a replica kill may pick. */
export function replicasOf(members: readonly PatroniMember[]): PatroniMember[] {
  return members.filter((m) => m.role !== "Leader" && /streaming|running/.test(m.state))
    .sort((a, b) => Number(b.role === "Sync Standby") - Number(a.role === "Sync Standby") || a.member.localeCompare(b.member));
}

export class Patroni {
  constructor(private readonly docker: LabDocker, private readonly services: LabService[]) {}

  /** The running Patroni containers (pg-1...), the ones patronictl can run in. */
  private running(): LabService[] {
    const members = numbered(this.services, "pg").filter((s) => s.state === "running");
    if (members.length === 0) throw new Error(`no running Patroni container (pg-N) in the lab`);
    return members;
  }

  /** Asks every running member in turn until one answers: any of them may be the one just killed. */
  async patronictl(args: string[], timeoutMs = 30_000): Promise<string> {
    const failures: string[] = [];
    for (const s of this.running()) {
      const r = await this.docker.exec(s.name, ["patronictl", "-c", PATRONI_CONFIG_PATH, ...args], timeoutMs).catch((e) => ({ exitCode: -1, stdout: "", stderr: (e as Error).message }));
      if (r.exitCode === 0) return r.stdout;
      failures.push(`${s.name}: exit ${r.exitCode}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
    }
    throw new Error(`patronictl ${args.join(" ")} failed in every member: ${failures.join("; ")}`);
  }

  async members(): Promise<PatroniMember[]> {
    return parseMembers(await this.patronictl(["list", "-f", "json"]));
  }

  /** A planned switchover to `candidate` (or the sync standby Patroni picks), without the interactive prompt. */
  async switchover(leader: string, candidate?: string): Promise<string> {
    return this.patronictl(["switchover", "--leader", leader, ...(candidate ? ["--candidate", candidate] : []), "--force"], 90_000);
  }
}
