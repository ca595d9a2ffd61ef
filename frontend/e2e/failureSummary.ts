/**
 * A Playwright reporter that ends the run with one short paragraph per failed attempt: the
 * test, the attempt, where it stopped and the first lines of why. The list reporter prints the
 * same earlier, among screenshots and traces; a CI log that keeps only its tail then shows the
 * failed test's name without the reason.
 */
import type { Reporter, TestCase, TestResult } from '@playwright/test/reporter';

/** Lines of an error message kept: the assertion and its expected/received lines. */
const MESSAGE_LINES = 6;

class FailureSummary implements Reporter {
  private readonly failures: string[] = [];

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.status === 'passed' || result.status === 'skipped') return;
    const error = result.errors[0];
    const where = error?.location ? `${error.location.file.split('/e2e/').pop()}:${error.location.line}` : 'unknown';
    // Colour codes make a CI log hard to read.
    const message = (error?.message ?? result.status)
      .replace(/\u001b\[[0-9;]*m/g, '')
      .split('\n')
      .slice(0, MESSAGE_LINES)
      .map((line) => `    ${line}`)
      .join('\n');
    this.failures.push(`  ${test.titlePath().filter(Boolean).join(' › ')} (attempt ${result.retry + 1}) at ${where}\n${message}`);
  }

  onEnd(): void {
    if (this.failures.length === 0) return;
    console.log(`\nFailed attempts (${this.failures.length}):\n${this.failures.join('\n')}`);
  }

  printsToStdio(): boolean {
    return true;
  }
}

export default FailureSummary;
