/**
 * Drivers whose lost output someone else says in its own words. runStructure prints one sentence when the run's
 * FinishStructureRunEvent was not acknowledged, with the cause, the setting to check and the counts of the final
 * report; the driver's own end-of-delivery line about the same loss would then say it twice. The driver still logs
 * every other fault, and that line whenever its output was delivered (see docs/run-structure.md). Internal: not
 * exported from the package.
 */
const reporters = new WeakSet<object>();

/** From now on, a lost output of `driver` is said by the caller, not by the driver's closing log line. */
export function reportOutputLossElsewhere(driver: object): void {
  reporters.add(driver);
}

export function outputLossReportedElsewhere(driver: object): boolean {
  return reporters.has(driver);
}
