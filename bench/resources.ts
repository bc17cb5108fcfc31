// Memory and CPU a running lab takes: every container with label lab.prefix=<prefix>, sampled through the Docker
// API (dockerode) a few times; prints per-container and total figures (the README's per-homework row).
//   npx ts-node --transpile-only bench/resources.ts <prefix> [samples=5] [everyS=2]
import Docker from "dockerode";

const docker = new Docker();

interface Sample { memMiB: number; cpuPct: number }

/** CPU % of one core, as `docker stats` computes it from two readings of the cgroup counters. */
export function cpuPercent(s: any): number {
  const cpu = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
  const system = s.cpu_stats.system_cpu_usage - s.precpu_stats.system_cpu_usage;
  const cores = s.cpu_stats.online_cpus ?? s.cpu_stats.cpu_usage.percpu_usage?.length ?? 1;
  return system > 0 && cpu > 0 ? (cpu / system) * cores * 100 : 0;
}

/** Memory as `docker stats` shows it: usage less the page cache. */
export function memMiB(s: any): number {
  if (typeof s.memory_stats?.usage !== "number") return 0; // a container that stopped between list and stats
  const cache = s.memory_stats.stats?.inactive_file ?? s.memory_stats.stats?.cache ?? 0;
  return (s.memory_stats.usage - cache) / 1024 / 1024;
}

async function main(): Promise<void> {
  const [prefix, samplesArg, everyArg] = process.argv.slice(2);
  if (!prefix) throw new Error("usage: bench/resources.ts <lab prefix> [samples] [seconds between]");
  const samples = Math.min(Math.max(Number(samplesArg ?? 5), 1), 60);
  const everyMs = Math.min(Math.max(Number(everyArg ?? 2), 1), 60) * 1000;
  const list = await docker.listContainers({ filters: { label: [`lab.prefix=${prefix}`] } });
  if (!list.length) throw new Error(`no running container with label lab.prefix=${prefix}`);
  const per = new Map<string, Sample[]>();
  for (let i = 0; i < samples; i++) {
    await Promise.all(list.map(async (c) => {
      const s = await docker.getContainer(c.Id).stats({ stream: false });
      const name = c.Names[0].slice(1);
      per.set(name, [...(per.get(name) ?? []), { memMiB: memMiB(s), cpuPct: cpuPercent(s) }]);
    }));
    if (i < samples - 1) await new Promise((r) => setTimeout(r, everyMs));
  }
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  let mem = 0, cpu = 0;
  console.log("| container | memory MiB (mean) | CPU % of a core (mean) |\n|---|---|---|");
  for (const [name, xs] of [...per.entries()].sort()) {
    const m = avg(xs.map((x) => x.memMiB)), c = avg(xs.map((x) => x.cpuPct));
    mem += m; cpu += c;
    console.log(`| ${name} | ${m.toFixed(0)} | ${c.toFixed(1)} |`);
  }
  console.log(`| **${prefix}: ${list.length} containers** | **${mem.toFixed(0)}** | **${cpu.toFixed(1)}** |`);
}

if (require.main === module) main().catch((e) => { console.error(e.message); process.exit(1); });
