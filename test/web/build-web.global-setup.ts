// The web view's page is compiled TypeScript served from dist/web/. The browser tests need it current, so the
// suite builds it once before any test file runs (a few seconds; the same command `npm run build` runs).
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  execFileSync("npm", ["run", "--silent", "build:web"], { cwd: root, stdio: "inherit" });
}
