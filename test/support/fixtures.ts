import { readFileSync } from "node:fs";

// Copies of the wire facts, kept inside the project (test/fixtures/README.md says where each came from).
const fixturesDir = new URL("../fixtures/", import.meta.url);

export function readFixtureText(name: string): string {
  return readFileSync(new URL(name, fixturesDir), "utf8");
}

export function readFixture(name: string): unknown {
  return JSON.parse(readFixtureText(name)) as unknown;
}
