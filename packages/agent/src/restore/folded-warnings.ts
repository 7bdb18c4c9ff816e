/**
 * Warnings that come by the thousand for one cause (a directory replaced
 * under the restore refuses every file in it): the first few of each cause
 * are listed, the rest counted in one line, so the operator sees every
 * cause and the output stays readable.
 */
export class FoldedWarnings {
  /** The lines to show, in the order they came; `finish` adds the counts. */
  readonly lines: string[] = [];
  /** Every warning added, listed or counted. */
  count = 0;
  private readonly untold = new Map<string, { summary: string; n: number }>();
  private readonly told = new Map<string, number>();

  constructor(private readonly toldPerCause = 5) {}

  /** One warning of `cause`; `summary(n)` says the n not listed, once at the end. */
  add(cause: string, line: string, summary: (n: number) => string): void {
    this.count++;
    const told = this.told.get(cause) ?? 0;
    if (told < this.toldPerCause) {
      this.told.set(cause, told + 1);
      this.lines.push(line);
      return;
    }
    const u = this.untold.get(cause) ?? { summary: '', n: 0 };
    u.n++;
    u.summary = summary(u.n);
    this.untold.set(cause, u);
  }

  /** Adds one line per cause for the warnings not listed. */
  finish(): void {
    for (const u of this.untold.values()) this.lines.push(u.summary);
    this.untold.clear();
  }
}
