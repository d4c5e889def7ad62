import { CATEGORIES, type Category, FAMILIES, FAMILY_TITLES, type Family } from './corpus.ts';

/** How one bad request was answered. */
export interface Outcome {
  readonly name: string;
  readonly category: Category;
  readonly status: number;
  /** The answer was a 4xx problem (or API Gateway's own 413) with an expected status. */
  readonly ok: boolean;
  /** The body was `application/problem+json`. */
  readonly problem: boolean;
}

/** One family's requests, counted by answer status and by category. */
export interface FamilySummary {
  readonly family: Family;
  readonly title: string;
  readonly requests: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly byCategory: Readonly<Partial<Record<Category, number>>>;
  /** Answers that were not a 4xx problem with an expected status. */
  readonly wrong: number;
  /** Expected answers that were API Gateway's own 413 `{"message": ...}` rather than a problem. */
  readonly gatewayOwn: number;
}

export interface Summary {
  readonly families: readonly FamilySummary[];
  readonly requests: number;
  /** Every status any family was answered with, in order. */
  readonly statuses: readonly number[];
  readonly wrong: number;
  readonly gatewayOwn: number;
}

/** Counts the outcomes of each family that ran, in the corpus's family order. */
export function summaryOf(outcomes: ReadonlyMap<Family, readonly Outcome[]>): Summary {
  const families = FAMILIES.filter((family) => outcomes.has(family)).map((family): FamilySummary => {
    const list = outcomes.get(family) ?? [];
    const byStatus: Record<string, number> = {};
    const byCategory: Partial<Record<Category, number>> = {};
    for (const outcome of list) {
      byStatus[outcome.status] = (byStatus[outcome.status] ?? 0) + 1;
      byCategory[outcome.category] = (byCategory[outcome.category] ?? 0) + 1;
    }
    return {
      family,
      title: FAMILY_TITLES[family],
      requests: list.length,
      byStatus,
      byCategory,
      wrong: list.filter((outcome) => !outcome.ok).length,
      gatewayOwn: list.filter((outcome) => outcome.ok && !outcome.problem).length,
    };
  });
  const statuses = [...new Set(families.flatMap((entry) => Object.keys(entry.byStatus).map(Number)))].sort(
    (a, b) => a - b,
  );
  return {
    families,
    requests: families.reduce((sum, entry) => sum + entry.requests, 0),
    statuses,
    wrong: families.reduce((sum, entry) => sum + entry.wrong, 0),
    gatewayOwn: families.reduce((sum, entry) => sum + entry.gatewayOwn, 0),
  };
}

/** The summary as a Markdown table: one row per family, one column per status answered, then the totals. */
export function summaryMarkdown(summary: Summary): string {
  // One column per status below 500; 5xx together; no answer at all counts only as not as expected.
  const columns = summary.statuses.filter((status) => status > 0 && status < 500).map(String);
  const header = ['family', 'requests', ...columns, '5xx', 'not as expected'];
  const row = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  const count = (byStatus: Readonly<Record<string, number>>, status: string) => byStatus[status] ?? 0;
  const fiveHundreds = (byStatus: Readonly<Record<string, number>>) =>
    Object.entries(byStatus).reduce((sum, [status, n]) => sum + (Number(status) >= 500 ? n : 0), 0);
  const totals: Record<string, number> = {};
  for (const entry of summary.families) {
    for (const [status, n] of Object.entries(entry.byStatus)) {
      totals[status] = (totals[status] ?? 0) + n;
    }
  }
  const lines = [
    row(header),
    row(header.map(() => '---')),
    ...summary.families.map((entry) =>
      row([
        entry.title,
        entry.requests,
        ...columns.map((status) => count(entry.byStatus, status)),
        fiveHundreds(entry.byStatus),
        entry.wrong,
      ]),
    ),
    row([
      '**all**',
      summary.requests,
      ...columns.map((status) => count(totals, status)),
      fiveHundreds(totals),
      summary.wrong,
    ]),
  ];
  const own = `\nOf the 413 answers, ${summary.gatewayOwn} are API Gateway's own \`{"message":"Request Too Long"}\` (a response it does not let an API customise); every other answer is \`application/problem+json\`.\n`;
  return `${lines.join('\n')}\n${summary.gatewayOwn > 0 ? own : ''}`;
}

/** The categories and how many requests of each the families sent, for the README's list. */
export function categoryCounts(
  summary: Summary,
): Array<{ category: Category; covers: string; requests: number }> {
  return (Object.keys(CATEGORIES) as Category[]).map((category) => ({
    category,
    covers: CATEGORIES[category],
    requests: summary.families.reduce((sum, entry) => sum + (entry.byCategory[category] ?? 0), 0),
  }));
}
