// The project page's cost chart: one bar per run, oldest first, heights in proportion to what each
// run cost, a summary for screen readers; a line instead when there are no runs or no cost yet.
// And the dollar axis's round steps.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { costScale } from "../src/console/cost-chart.tsx";
import { newId } from "../src/ids.ts";
import { browse, signInWithLink } from "./console-helpers.ts";
import { createProject, createUser } from "./helpers.ts";

const DAY = 86_400_000;

/** Runs of the project, a day apart from `start` (oldest first), each with what it cost (0: nothing booked). */
async function seedRuns(projectId: string, costs: number[], start: number): Promise<string[]> {
  const ids = costs.map(() => newId());
  const kinds = ["engineering", "devops"];
  await env.DB.batch(
    costs.flatMap((amount, index) => {
      const at = start + index * DAY;
      const run = env.DB.prepare(
        "INSERT INTO runs (id, project_id, kind, status, created_at) VALUES (?, ?, ?, 'succeeded', ?)",
      ).bind(ids[index], projectId, kinds[index % 2], at);
      if (amount === 0) return [run];
      const cost = env.DB.prepare(
        "INSERT INTO costs (id, project_id, run_id, source, amount_usd, created_at) VALUES (?, ?, ?, 'agent', ?, ?)",
      ).bind(newId(), projectId, ids[index], amount, at);
      return [run, cost];
    }),
  );
  return ids;
}

async function projectPage(costs: number[] | null): Promise<{ html: string; runIds: string[] }> {
  const member = await createUser();
  const project = await createProject(member.key);
  const runIds = costs ? await seedRuns(project.id, costs, Date.UTC(2026, 0, 5, 9, 30)) : [];
  const response = await browse(await signInWithLink(member), `/projects/${project.id}`);
  expect(response.status).toBe(200);
  return { html: await response.text(), runIds };
}

/** Each bar of the chart in document order: its run and its height. */
function bars(html: string): { run: string; height: number; title: string }[] {
  const chart = /<svg class="chart"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? "";
  return [...chart.matchAll(/<g class="run" data-run="(\w+)"><title>([^<]*)<\/title>[\s\S]*?<\/g>/g)].map(
    (match) => ({
      run: match[1] as string,
      title: match[2] as string,
      height: Number(/<rect class="bar[^"]*"[^>]*height="([\d.]+)"/.exec(match[0])?.[1]),
    }),
  );
}

describe("the project page's cost chart", () => {
  it("draws one bar per run, oldest left, heights ordered as the costs", async () => {
    const costs = [0.5, 0.125, 2, 0, 1.25];
    const { html, runIds } = await projectPage(costs);
    const drawn = bars(html);
    expect(drawn.map((bar) => bar.run)).toEqual(runIds);
    for (const [i, a] of drawn.entries())
      for (const [j, b] of drawn.entries())
        expect(Math.sign(a.height - b.height), `bars ${i} and ${j}`).toBe(
          Math.sign((costs[i] as number) - (costs[j] as number)),
        );
    // In proportion: the $2 run is 16 times the $0.125 one.
    expect((drawn[2]?.height ?? 0) / (drawn[1]?.height ?? 1)).toBeCloseTo(16, 1);
    expect(drawn[0]?.title).toBe(`Engineering run ${runIds[0]}, succeeded, 2026-01-05 09:30 UTC: $0.5000`);
    expect(html).toContain('role="img"');
    expect(html).toContain(
      'aria-label="Cost per run, oldest first: 5 runs from 2026-01-05 to 2026-01-09, $3.8750 in all, the most $2.0000.',
    );
    // The axis is in round dollars, and the legend names the kinds drawn.
    for (const label of ["$0.0", "$0.5", "$1.0", "$1.5", "$2.0"]) expect(html).toContain(`>${label}</text>`);
    expect(html).toContain('viewBox="0 0 480 200"');
    expect(html).toMatch(
      /<li><span class="swatch kind-engineering" aria-hidden="true"><\/span>Engineering<\/li>/,
    );
    expect(html).toMatch(/<li><span class="swatch kind-devops" aria-hidden="true"><\/span>DevOps<\/li>/);
  });

  it("says why there is no chart: no runs, or runs that cost nothing yet", async () => {
    const none = await projectPage(null);
    expect(none.html).toContain("No runs yet, so nothing spent.");
    expect(none.html).not.toContain('<svg class="chart"');
    const free = await projectPage([0, 0]);
    expect(free.html).toContain("No cost recorded yet");
    expect(free.html).not.toContain('<svg class="chart"');
  });
});

describe("costScale", () => {
  it("steps the axis by 1, 2, 2.5 or 5 times a power of ten, up to the largest cost", () => {
    expect(costScale(2)).toEqual({ top: 2, ticks: [0, 0.5, 1, 1.5, 2], decimals: 1 });
    expect(costScale(0.37)).toMatchObject({ top: 0.4, decimals: 1 });
    expect(costScale(0.37).ticks).toHaveLength(5);
    expect(costScale(0.0123)).toMatchObject({ decimals: 3 });
    expect(costScale(0.0123).top).toBeCloseTo(0.015, 9);
    expect(costScale(9)).toMatchObject({ top: 10, ticks: [0, 2.5, 5, 7.5, 10], decimals: 1 });
    expect(costScale(130)).toMatchObject({ top: 150, ticks: [0, 50, 100, 150], decimals: 0 });
    expect(costScale(0)).toEqual({ top: 0, ticks: [0], decimals: 0 });
  });
});
